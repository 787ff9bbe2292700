"""Flask extensions, created unbound so models and services import them without cycles."""

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from marketplace.models.base import Base
from marketplace.replica import RoutingSession

db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
#: Rendered anonymous pages and the catalogue version they are keyed by (see
#: `blueprints/catalog/caching.py`); shared by every worker process.
cache = Cache()
