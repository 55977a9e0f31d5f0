"""The rules of ACSM recertification, pure Python (no telegram, no sqlalchemy)."""
