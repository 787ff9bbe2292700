"""CSV bulk upload of products: every row checked first, then all written or nothing.

One row is one variant. Rows sharing a `handle` are the variants of one product (the product's
own columns are read from its first row); a row without a handle is a product of its own.
"""

import csv
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from slugify import slugify
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace import tasks
from marketplace.clock import utcnow
from marketplace.database import write_intent
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    BackgroundTask,
    Category,
    Product,
    ProductStatus,
    Store,
    User,
    Variant,
)
from marketplace.permissions import can
from marketplace.services.catalog.listing import (
    MAX_VARIANTS,
    check_food_permits,
    check_price,
    check_stock,
)
from marketplace.storage import get_storage
from marketplace.validation import clean_text

MAX_ROWS = 10_000
#: How often (in rows) a background import records how far its check has gone.
PROGRESS_EVERY = 500
IMPORT_JOB = "marketplace.services.catalog.product_import.run_import"
REQUIRED = ("title", "category", "weight_grams", "sku", "price", "stock")
OPTIONAL = ("handle", "description", "status", "option1_name", "option1_value",
            "option2_name", "option2_value", "pirt_number", "halal_number", "halal_expires_on",
            "nib")
COLUMNS = ("handle", "title", "description", "category", "status", "weight_grams",
           "option1_name", "option1_value", "option2_name", "option2_value", "sku", "price",
           "stock", "pirt_number", "halal_number", "halal_expires_on", "nib")
#: A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = ("handle", "title", "description", "option1_name", "option1_value",
                "option2_name", "option2_value", "sku")
STATUS_WORDS = {"draft": ProductStatus.DRAFT, "draf": ProductStatus.DRAFT,
                "active": ProductStatus.ACTIVE, "aktif": ProductStatus.ACTIVE,
                "archived": ProductStatus.ARCHIVED, "arsip": ProductStatus.ARCHIVED}

EXAMPLE_ROWS = [
    {"handle": "keripik-tempe", "title": "Keripik Tempe Sagu", "category": "keripik-camilan",
     "description": "Renyah, tanpa pengawet.\nDigoreng setiap pagi.", "status": "aktif",
     "weight_grams": "250", "option1_name": "Rasa", "option1_value": "Original",
     "sku": "KT-ORI", "price": "15000", "stock": "40", "pirt_number": "206337401012324",
     "halal_number": "ID31110000159150421", "halal_expires_on": "2030-12-31",
     "nib": "9120001234567"},
    {"handle": "keripik-tempe", "option1_value": "Pedas", "sku": "KT-PDS", "price": "16.000",
     "stock": "25"},
    {"handle": "", "title": "Tas Anyaman Pandan", "category": "anyaman", "status": "draf",
     "weight_grams": "400", "sku": "TAS-PDN-01", "price": "85000", "stock": "6",
     "description": "Dianyam tangan oleh ibu-ibu KUBE Sumber Rejeki."},
]


@dataclass
class RowError:
    line: int
    column: str
    message: str


@dataclass
class ImportResult:
    products: int = 0
    variants: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportErrors(ValidationError):
    """The file was refused; `rows` lists every bad row and why (nothing was written)."""

    def __init__(self, rows: list[RowError]):
        super().__init__(_l("The file has %(n)d problem(s); nothing was imported.",
                            n=len(rows)), field="file")
        self.rows = rows


def template_csv(example: bool = False) -> str:
    """The column header (and with `example`, sample rows) as CSV text for download."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    if example:
        for row in EXAMPLE_ROWS:
            writer.writerow({key: row.get(key, "") for key in COLUMNS})
    return buffer.getvalue()


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    raise ValidationError(_("The file is not in UTF-8. In Excel choose \"Save As\" > "
                            "\"CSV UTF-8\"; in Google Sheets use File > Download > CSV."),
                          field="file")


def _reader(text: str) -> csv.DictReader:
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Indonesian separate columns with ';' (the comma is the decimal mark).
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)


def _whole_number(raw: str, check, column: str):
    text = (raw or "").strip().replace("Rp", "").replace("rp", "").replace(" ", "")
    parts = text.split(".")
    if len(parts) > 1 and all(p.isdigit() for p in parts) and all(len(p) == 3
                                                                  for p in parts[1:]):
        text = "".join(parts)  # 25.000 is twenty-five thousand in Indonesian
    if not text.lstrip("-").isdigit() or len(text) > 12:
        raise ValidationError(_("\"%(value)s\" is not a whole number.", value=raw[:20]),
                              field=column)
    return check(int(text), column)


def _date(raw: str, column: str) -> date | None:
    text = (raw or "").strip()
    if not text:
        return None
    for parse in (date.fromisoformat, lambda t: date(*reversed([int(p) for p in
                                                                t.split("/")]))):
        try:
            return parse(text)
        except (ValueError, TypeError):
            continue
    raise ValidationError(_("Write the date as YYYY-MM-DD, e.g. 2030-12-31."), field=column)


class _Checker:
    """Checks rows one by one, collecting every problem with its line number."""

    def __init__(self, store: Store):
        self.store = store
        self.categories = {c.slug: c.id for c in db.session.scalars(select(Category))}
        self.categories.update({
            name.lower(): cid for cid, name_id, name_en in db.session.execute(
                select(Category.id, Category.name_id, Category.name_en))
            for name in (name_id, name_en)})
        self.existing_skus = set(db.session.scalars(
            select(Variant.sku).where(Variant.store_id == store.id)))
        self.seen_skus: dict[str, int] = {}
        self.products: dict[str, dict] = {}
        self.order: list[dict] = []
        self.errors: list[RowError] = []

    def _take(self, line: int, column: str, check: Callable):
        try:
            return check()
        except ValidationError as exc:
            for name, message in (exc.errors or {column: exc.message}).items():
                self.errors.append(RowError(line, name or column, str(message)))
            return None

    def row(self, line: int, row: dict) -> None:
        row = {key: (value or "") for key, value in row.items() if key}
        for column in TEXT_COLUMNS + ("category", "status"):
            if row.get(column, "").startswith(FORMULA_START):
                self.errors.append(RowError(line, column, _(
                    "A cell cannot start with =, +, -, @ or a tab (spreadsheet formulas are "
                    "not allowed).")))
        handle = row.get("handle", "").strip().lower()
        key = handle or f"row-{line}"
        product = self.products.get(key)
        if product is None:
            product = self._product(line, row)
            if product is None:  # still check the variant's cells, to list every problem
                self._variant(line, row, {"option1_name": None, "option2_name": None,
                                          "variants": [], "options": set()})
                return
            self.products[key] = product
            self.order.append(product)
        if len(product["variants"]) >= MAX_VARIANTS:
            self.errors.append(RowError(line, "handle", _(
                "A product can have at most %(n)d variants.", n=MAX_VARIANTS)))
            return
        self._variant(line, row, product)

    def _product(self, line: int, row: dict) -> dict | None:
        before = len(self.errors)
        title = self._take(line, "title", lambda: clean_text(row.get("title"), 120, "title"))
        category = row.get("category", "").strip().lower()
        category_id = self.categories.get(category)
        if category_id is None:
            self.errors.append(RowError(line, "category", _(
                "Unknown category \"%(value)s\"; use a slug from the template, e.g. "
                "keripik-camilan.", value=category[:40])))
        description = self._take(line, "description", lambda: clean_text(
            row.get("description"), 5000, "description", required=False))
        status_word = row.get("status", "").strip().lower() or "draft"
        status = STATUS_WORDS.get(status_word)
        if status is None:
            self.errors.append(RowError(line, "status", _(
                "Status must be draft, active or archived.")))
        weight = self._take(line, "weight_grams", lambda: _whole_number(
            row.get("weight_grams", ""), _weight, "weight_grams"))
        names = [self._take(line, name, lambda n=name: clean_text(
            row.get(n), 30, n, required=False) or None) for name in ("option1_name",
                                                                     "option2_name")]
        if names[1] and not names[0]:
            self.errors.append(RowError(line, "option1_name", _(
                "Name the first option before the second.")))
        halal_expiry = self._take(line, "halal_expires_on", lambda: _date(
            row.get("halal_expires_on"), "halal_expires_on"))
        food = self._take(line, "pirt_number", lambda: check_food_permits(
            pirt_number=row.get("pirt_number"), halal_number=row.get("halal_number"),
            halal_expires_on=halal_expiry, nib=row.get("nib")))
        if len(self.errors) > before:
            return None
        return {"title": title, "category_id": category_id, "description": description,
                "status": status, "weight_grams": weight, "option1_name": names[0],
                "option2_name": names[1], "food": food, "variants": [], "options": set()}

    def _variant(self, line: int, row: dict, product: dict) -> None:
        before = len(self.errors)
        sku = self._take(line, "sku", lambda: clean_text(row.get("sku"), 64, "sku").upper())
        if sku and sku in self.seen_skus:
            self.errors.append(RowError(line, "sku", _(
                "The SKU %(sku)s is also on line %(line)d.", sku=sku,
                line=self.seen_skus[sku])))
        elif sku and sku in self.existing_skus:
            self.errors.append(RowError(line, "sku", _(
                "The SKU %(sku)s is already used in your store.", sku=sku)))
        options = []
        for number in (1, 2):
            name = product[f"option{number}_name"]
            column = f"option{number}_value"
            value = self._take(line, column, lambda c=column, n=name: clean_text(
                row.get(c), 40, c, required=bool(n)) or None) if name else None
            options.append(value)
        if tuple(options) in product["options"]:
            self.errors.append(RowError(line, "option1_value", _(
                "Two variants have the same options.")))
        price = self._take(line, "price", lambda: _whole_number(row.get("price", ""),
                                                                check_price, "price"))
        stock = self._take(line, "stock", lambda: _whole_number(row.get("stock", ""),
                                                                check_stock, "stock"))
        if len(self.errors) > before:
            return
        self.seen_skus[sku] = line
        product["options"].add(tuple(options))
        product["variants"].append({"sku": sku, "option1": options[0], "option2": options[1],
                                    "price": price, "stock": stock})


def _weight(value: int, field: str) -> int:
    if not 1 <= value <= 100_000:
        raise ValidationError(_("Enter the weight in grams, from 1 to 100000."), field=field)
    return value


def _open(data: bytes) -> csv.DictReader:
    """A reader over the file with its header checked (cheap: the rows are not read yet).

    :raises ValidationError: unreadable file, wrong encoding or missing columns.
    """
    reader = _reader(_decode(data))
    try:
        header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ValidationError(_("The file could not be read as CSV."), field="file") from exc
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError(_("Columns missing: %(names)s. Download the template to see "
                                "every column.", names=", ".join(missing)), field="file")
    return reader


def check_rows(store: Store, data: bytes,
               on_rows: Callable[[int], None] | None = None) -> list[dict]:
    """Parse and check the whole file; the products to create, each with its variants.

    `on_rows(n)` is told the number of rows read so far, every PROGRESS_EVERY rows.
    :raises ValidationError: unreadable file, wrong encoding or missing columns.
    :raises ImportErrors: one or more rows are invalid (all of them are listed).
    """
    reader = _open(data)
    checker = _Checker(store)
    try:
        for number, row in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise ValidationError(_("At most %(n)d rows per file; split the file.",
                                        n=MAX_ROWS), field="file")
            if on_rows is not None and number % PROGRESS_EVERY == 0:
                on_rows(number)
            if not any((value or "").strip() for value in row.values() if
                       isinstance(value, str)):
                continue
            if None in row:
                checker.errors.append(RowError(reader.line_num, "", _(
                    "This line has more cells than the header.")))
                continue
            checker.row(reader.line_num, row)
    except csv.Error as exc:
        raise ValidationError(_("The file could not be read as CSV (line %(line)d).",
                                line=reader.line_num), field="file") from exc
    if checker.errors:
        raise ImportErrors(checker.errors)
    if not checker.order:
        raise ValidationError(_("The file has no product rows."), field="file")
    return checker.order


def import_products(actor: User, store: Store, data: bytes,
                    progress: Callable[[int], None] | None = None,
                    checked: list[dict] | None = None) -> ImportResult:
    """Create every product in the CSV file, or none if any row is bad (`checked`: the
    result of `check_rows` when the caller already has it).

    :raises PermissionDenied: not the owner of the store.
    :raises ValidationError: unreadable file, wrong encoding or missing columns.
    :raises ImportErrors: one or more rows are invalid; nothing was written.
    """
    if not can(actor, "store.manage", store):
        raise PermissionDenied()
    products = checked if checked is not None else check_rows(store, data)
    now = utcnow()
    result = ImportResult()
    for start in range(0, len(products), 1000):
        chunk = products[start:start + 1000]
        rows = []
        for item in chunk:
            prices = [v["price"] for v in item["variants"]]
            active = item["status"] == ProductStatus.ACTIVE
            rows.append({
                "store_id": store.id, "category_id": item["category_id"],
                "title": item["title"], "slug": slugify(item["title"], max_length=120)
                or "produk", "description": item["description"], "status": item["status"],
                "weight_grams": item["weight_grams"], "option1_name": item["option1_name"],
                "option2_name": item["option2_name"], **item["food"],
                "price_min": min(prices), "price_max": max(prices),
                "stock_total": sum(v["stock"] for v in item["variants"]),
                "created_at": now, "updated_at": now, "published_at": now if active else None,
            })
        statement = insert(Product).returning(Product.id, sort_by_parameter_order=True)
        ids = db.session.scalars(statement, rows).all()
        variants = [{**variant, "product_id": product_id, "store_id": store.id,
                     "position": position, "active": True}
                    for product_id, item in zip(ids, chunk, strict=True)
                    for position, variant in enumerate(item["variants"])]
        db.session.execute(insert(Variant), variants)
        result.products += len(chunk)
        result.variants += len(variants)
        if progress is not None:
            progress(len(chunk))
    db.session.flush()
    return result


# --- as a background job -------------------------------------------------------------------------

def start_import(actor: User, store: Store, data: bytes) -> BackgroundTask:
    """Keep the upload in private storage and queue its import (run when the caller commits).

    The header is checked now, so a wrong file is refused at once; the rows are checked and
    written by `run_import`, whose progress and result the vendor follows on the task's page.
    :raises PermissionDenied: not the owner of the store.
    :raises ValidationError: unreadable file, wrong encoding or missing columns.
    """
    if not can(actor, "store.manage", store):
        raise PermissionDenied()
    rows = sum(1 for _row in _open(data))
    token = secrets.token_hex(16)
    key = f"{token[:2]}/import-{token}.csv"
    get_storage(private=True).put(key, data, "text/csv")
    task = tasks.create("product_import", actor, store_id=store.id,
                        total=min(rows, MAX_ROWS + 1), file_key=key)
    tasks.enqueue(IMPORT_JOB, task)
    return task


def import_task(actor: User, store: Store, task_id: int) -> BackgroundTask:
    """One of the store's imports, for its progress page.

    :raises NotFound: no such import in this store, or the actor may not manage the store.
    """
    task = db.session.get(BackgroundTask, task_id)
    if (task is None or task.kind != "product_import" or task.store_id != store.id
            or not can(actor, "store.manage", store)):
        raise NotFound()
    return task


def run_import(task_id: int) -> None:
    """The job: check the stored file, then write every product or none, once.

    A retried or duplicate job finds the task finished and does nothing; the final write and
    the task's `done` commit together, so a job killed before that leaves nothing written.
    """
    task = tasks.claim(task_id)
    if task is None:
        return
    with write_intent(False):  # reads only: progress is written by `_set_task` meanwhile
        owner = db.session.get(User, task.user_id)
        with force_locale(owner.locale or "id"):
            checked = _check_task(task, owner)
    if checked is None:
        return
    with force_locale(owner.locale or "id"):
        _write_task(task, owner, checked)


def _check_task(task: BackgroundTask, owner: User) -> list[dict] | None:
    """Check the stored file's rows, recording progress; None if the task failed."""
    data = get_storage(private=True).get(task.file_key)
    if data is None:
        _finish(task.id, "failed", {"message": _(
            "The uploaded file is no longer available; please upload it again.")})
        return None
    try:
        return check_rows(task.store, data, on_rows=lambda n: _set_task(task.id, progress=n))
    except ImportErrors as exc:
        _finish(task.id, "failed", {"message": str(exc.message), "errors": [
            [row.line, row.column, row.message] for row in exc.rows]})
    except ValidationError as exc:
        _finish(task.id, "failed", {"message": str(exc.message)})
    return None


def _write_task(task: BackgroundTask, owner: User, checked: list[dict]) -> None:
    """Write every checked product and mark the task done, in one transaction."""
    task_id = task.id
    db.session.rollback()  # end the reads: the write below holds the write lock briefly
    with write_intent():
        locked = tasks.locked(task_id)
        if locked.finished:  # a duplicate job got here first
            return
        try:
            result = import_products(owner, locked.store, b"", checked=checked)
        except IntegrityError:  # a SKU taken since the check (another upload)
            db.session.rollback()
            _finish(task_id, "failed", {"message": _(
                "Some SKUs were added to your store while the file was checked; nothing "
                "was imported. Please upload the file again.")})
            return
        locked.state, locked.finished_at = "done", utcnow()
        locked.progress = locked.total or 0
        locked.result = {"products": result.products, "variants": result.variants}
        db.session.commit()
        _forget_upload(locked)


def _set_task(task_id: int, **values) -> None:
    """Record how far a task is, in its own short transaction (seen while the job runs)."""
    with write_intent(), Session(db.engine) as session, session.begin():
        session.execute(update(BackgroundTask).where(BackgroundTask.id == task_id)
                        .values(**values))


def _finish(task_id: int, state: str, result: dict) -> None:
    _set_task(task_id, state=state, result=result, finished_at=utcnow())
    _forget_upload(db.session.get(BackgroundTask, task_id))


def _forget_upload(task: BackgroundTask) -> None:
    if task.file_key:
        get_storage(private=True).delete(task.file_key)
