"""ID card pages keep a keyed hash of their address and validity period (cross-year reuse of
one card under another name, as the batch's text route finds it).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 19:02:16.330995

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('page_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('card_exact', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_page_images_card_key'), ['card_key'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('page_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_images_card_key'))
        batch_op.drop_column('card_exact')
        batch_op.drop_column('card_key')

