"""Booked appointments: slots cut from counselors' sessions, booked by citizens online.

`slots` publishes and finds slots, `booking` books, moves and cancels them under the limits,
`texts` words the messages citizens get, `staff` is what counselors and coordinators do.
"""
