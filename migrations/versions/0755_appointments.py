"""booked appointments: each field's slot plan, published slots, citizens' bookings

Revision ID: 0755
Revises: 0740
Create Date: 2026-12-02 08:00:00

A slot is held by one booking at most (`appointments.holding_slot_id` unique) and a citizen
holds at most N bookings per field and month (`cap_seat` unique per field, month and phone
digest): both are NULL once a booking is cancelled, which gives them back.
"""

from alembic import op
import sqlalchemy as sa


revision = "0755"
down_revision = "0751"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "appointment_plans",
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("slot_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("place", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["fields.id"],
            name=op.f("fk_appointment_plans_field_id_fields"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("field_id", name=op.f("pk_appointment_plans")),
    )
    op.create_table(
        "appointment_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("place", sa.String(length=80), nullable=True),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["counselor_id"],
            ["counselors.id"],
            name=op.f("fk_appointment_slots_counselor_id_counselors"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["fields.id"],
            name=op.f("fk_appointment_slots_field_id_fields"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_slots")),
        sa.UniqueConstraint(
            "counselor_id",
            "starts_at",
            name=op.f("uq_appointment_slots_counselor_id_starts_at"),
        ),
    )
    op.create_index(
        "ix_appointment_slots_field_starts",
        "appointment_slots",
        ["field_id", "starts_at"],
        unique=False,
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=12), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("holding_slot_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("cap_seat", sa.SmallInteger(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("phone_digest", sa.String(length=64), nullable=True),
        sa.Column("phone_last4", sa.String(length=4), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("booked_at", sa.DateTime(), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("marked_at", sa.DateTime(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.Column("moves", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_appointments_consultation_id_consultations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["fields.id"],
            name=op.f("fk_appointments_field_id_fields"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holding_slot_id"],
            ["appointment_slots.id"],
            name=op.f("fk_appointments_holding_slot_id_appointment_slots"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["appointment_slots.id"],
            name=op.f("fk_appointments_slot_id_appointment_slots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointments")),
        sa.UniqueConstraint(
            "field_id",
            "month",
            "phone_digest",
            "cap_seat",
            name=op.f("uq_appointments_field_id_month_phone_digest_cap_seat"),
        ),
        sa.UniqueConstraint("holding_slot_id", name=op.f("uq_appointments_holding_slot_id")),
        sa.UniqueConstraint("number", name=op.f("uq_appointments_number")),
    )
    op.create_index("ix_appointments_slot", "appointments", ["slot_id"], unique=False)
    op.create_index(op.f("ix_appointments_booked_at"), "appointments", ["booked_at"], unique=False)
    op.create_index(
        op.f("ix_appointments_phone_digest"), "appointments", ["phone_digest"], unique=False
    )
    op.create_index(op.f("ix_appointments_status"), "appointments", ["status"], unique=False)


def downgrade():
    op.drop_table("appointments")
    op.drop_index("ix_appointment_slots_field_starts", table_name="appointment_slots")
    op.drop_table("appointment_slots")
    op.drop_table("appointment_plans")
