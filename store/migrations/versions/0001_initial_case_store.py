"""The case store's first schema: screenings, their documents, page hashes, members and
accounts (keyed hashes and masked forms), flags, decisions, registry rows, objections.

Revision ID: 0001
Revises: 
Create Date: 2026-12-03 18:26:47.670925

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.String(length=255), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=True),
    sa.Column('rule', sa.String(length=40), nullable=True),
    sa.Column('item', sa.Text(), nullable=True),
    sa.Column('decision', sa.String(length=40), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=True),
    sa.Column('reviewer', sa.String(length=64), nullable=True),
    sa.Column('date', sa.String(length=10), nullable=True),
    sa.Column('cell', sa.String(length=64), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_year'), ['year'], unique=False)

    op.create_table('objections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.String(length=255), nullable=True),
    sa.Column('unit_name', sa.String(length=255), nullable=True),
    sa.Column('received', sa.String(length=10), nullable=True),
    sa.Column('objector', sa.String(length=255), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('finding', sa.String(length=40), nullable=True),
    sa.Column('handled_by', sa.String(length=64), nullable=True),
    sa.Column('handled_on', sa.String(length=10), nullable=True),
    sa.Column('source', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_objections_year'), ['year'], unique=False)

    op.create_table('registry_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_name', sa.String(length=255), nullable=False),
    sa.Column('uscc', sa.String(length=32), nullable=True),
    sa.Column('programme', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('registry_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_entries_uscc'), ['uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_entries_year'), ['year'], unique=False)

    op.create_table('screenings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.String(length=255), nullable=False),
    sa.Column('unit_name', sa.String(length=255), nullable=True),
    sa.Column('uscc', sa.String(length=32), nullable=True),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('documents_key', sa.String(length=64), nullable=False),
    sa.Column('out_dir', sa.Text(), nullable=True),
    sa.Column('screened_at', sa.String(length=40), nullable=False),
    sa.Column('as_of', sa.String(length=10), nullable=True),
    sa.Column('recommendation', sa.String(length=40), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screenings_uscc'), ['uscc'], unique=False)
        batch_op.create_index(batch_op.f('ix_screenings_year'), ['year'], unique=False)
        batch_op.create_index('ix_screenings_year_dossier', ['year', 'dossier_id'], unique=False)

    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('account_hash', sa.String(length=64), nullable=False),
    sa.Column('account_masked', sa.String(length=40), nullable=True),
    sa.Column('account_name', sa.String(length=255), nullable=True),
    sa.Column('file', sa.Text(), nullable=True),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_account_hash'), ['account_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_screening_id'), ['screening_id'], unique=False)

    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('types', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_screening_id'), ['screening_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_sha256'), ['sha256'], unique=False)

    op.create_table('flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=True),
    sa.Column('severity', sa.String(length=10), nullable=True),
    sa.Column('subject', sa.Text(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flags_screening_id'), ['screening_id'], unique=False)

    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=True),
    sa.Column('id_hash', sa.String(length=64), nullable=True),
    sa.Column('id_masked', sa.String(length=32), nullable=True),
    sa.Column('id_valid', sa.Boolean(), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=True),
    sa.Column('file', sa.Text(), nullable=True),
    sa.Column('page', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_members_id_hash'), ['id_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_members_screening_id'), ['screening_id'], unique=False)

    op.create_table('page_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('file', sa.Text(), nullable=False),
    sa.Column('page', sa.Integer(), nullable=False),
    sa.Column('doc_type', sa.String(length=40), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=True),
    sa.Column('phash', sa.String(length=64), nullable=False),
    sa.Column('dhash', sa.String(length=64), nullable=True),
    sa.Column('numbers', sa.JSON(), nullable=False),
    sa.Column('image_path', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['screening_id'], ['screenings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('page_images', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_images_phash'), ['phash'], unique=False)
        batch_op.create_index(batch_op.f('ix_page_images_screening_id'), ['screening_id'], unique=False)

    op.create_table('registry_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('id_hash', sa.String(length=64), nullable=False),
    sa.Column('id_masked', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['entry_id'], ['registry_entries.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('registry_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_members_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registry_members_id_hash'), ['id_hash'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('registry_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_members_id_hash'))
        batch_op.drop_index(batch_op.f('ix_registry_members_entry_id'))

    op.drop_table('registry_members')
    with op.batch_alter_table('page_images', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_images_screening_id'))
        batch_op.drop_index(batch_op.f('ix_page_images_phash'))

    op.drop_table('page_images')
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_screening_id'))
        batch_op.drop_index(batch_op.f('ix_members_id_hash'))

    op.drop_table('members')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flags_screening_id'))

    op.drop_table('flags')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_documents_screening_id'))

    op.drop_table('documents')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_screening_id'))
        batch_op.drop_index(batch_op.f('ix_accounts_account_hash'))

    op.drop_table('accounts')
    with op.batch_alter_table('screenings', schema=None) as batch_op:
        batch_op.drop_index('ix_screenings_year_dossier')
        batch_op.drop_index(batch_op.f('ix_screenings_year'))
        batch_op.drop_index(batch_op.f('ix_screenings_uscc'))

    op.drop_table('screenings')
    with op.batch_alter_table('registry_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registry_entries_year'))
        batch_op.drop_index(batch_op.f('ix_registry_entries_uscc'))

    op.drop_table('registry_entries')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_objections_year'))

    op.drop_table('objections')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_year'))

    op.drop_table('decisions')
