from pathlib import Path

from chatbot.settings.env import env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# Everything the platform writes at run time (SQLite file, broker spool, model artifacts).
VAR_DIR = Path(env_str("CHATBOT_VAR_DIR", str(BASE_DIR / "var")))
