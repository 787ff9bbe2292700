"""The Redis page cache, made to fail soft: with Redis down every read is a miss and every
write is dropped (and logged), so catalogue pages keep rendering from the database."""

import logging
from functools import wraps

from flask_caching.backends.rediscache import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _soft(default):
    def wrap(method):
        @wraps(method)
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as exc:
                log.warning("Cache unavailable (%s): %s", method.__name__, exc)
                return default
        return call
    return wrap


class ResilientRedisCache(RedisCache):
    """Flask-Caching's RedisCache; a Redis error is a cache miss, never a 500."""

    get = _soft(None)(RedisCache.get)
    get_many = _soft([])(RedisCache.get_many)
    has = _soft(False)(RedisCache.has)
    set = _soft(False)(RedisCache.set)
    add = _soft(False)(RedisCache.add)
    set_many = _soft([])(RedisCache.set_many)
    delete = _soft(False)(RedisCache.delete)
    delete_many = _soft([])(RedisCache.delete_many)
    inc = _soft(None)(RedisCache.inc)
    dec = _soft(None)(RedisCache.dec)
    clear = _soft(False)(RedisCache.clear)
