"""The sign-in page: plain server-rendered HTML, so it works before any Dash script loads."""
from __future__ import annotations

from dataclasses import dataclass, field

from markupsafe import Markup, escape

from components.ids import Accounts, Login

PRODUCT_NAME = "Ontario T-D Coordination Platform"
PRODUCT_SHORT_NAME = "T-D Platform"
PRODUCT_TAGLINE = "IESO · LDCs · DER aggregators — one shared view of distributed energy resources"

_PAGE = """<!DOCTYPE html>
<html lang="en" data-bs-theme="dark">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {product}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap.min.css">
<link rel="stylesheet" href="/assets/vendor/bootstrap-icons/bootstrap-icons.min.css">
<link rel="stylesheet" href="/assets/theme/00-theme.css">
</head>
<body class="login-body">
<main class="login-card card shadow-lg"{card_style}>
  <div class="card-body p-4 p-md-5">
    <div class="d-flex align-items-center gap-3 mb-4">
      <i class="bi bi-lightning-charge-fill login-logo" aria-hidden="true"></i>
      <div>
        <h1 class="h4 mb-0">{product}</h1>
        <div class="text-body-secondary small">{tagline}</div>
      </div>
    </div>
    {body}
  </div>
</main>
</body>
</html>"""

_LOGIN_BODY = """{message}
    <form method="post" action="/login" autocomplete="on" novalidate>
      <input type="hidden" name="csrf_token" value="{csrf}">
      <input type="hidden" name="next" value="{next}">
      <div class="mb-3">
        <label class="form-label" for="{id_user}">Username</label>
        <input class="form-control form-control-lg" id="{id_user}" name="username" value="{username}"
               autocomplete="username" required autofocus>
      </div>
      <div class="mb-4">
        <label class="form-label" for="{id_password}">Password</label>
        <input class="form-control form-control-lg" id="{id_password}" name="password" type="password"
               autocomplete="current-password" required>
      </div>
      <button class="btn btn-primary btn-lg w-100" id="{id_submit}" type="submit">Sign in</button>
    </form>
    <div class="text-center mt-3">
      <a class="link-secondary" id="{id_guest}" href="/guest">
        <i class="bi bi-map"></i> View the public map as guest</a>
    </div>
    <div class="text-center mt-2">
      <a class="link-secondary" id="{id_register}" href="/register">
        <i class="bi bi-person-plus"></i> Apply for an account</a>
      <div class="form-text">Applied already? You can sign in once an administrator has approved it.</div>
    </div>
    {demo}"""


def _page(title: str, body: Markup | str, wide: bool = False) -> str:
    return _PAGE.format(
        title=escape(title), product=escape(PRODUCT_NAME), tagline=escape(PRODUCT_TAGLINE), body=body,
        card_style=' style="width: min(760px, 96vw)"' if wide else "",
    )


def render_login(
    *, csrf: str, next_url: str = "", username: str = "", error: str | None = None,
    demo_users: list[tuple[str, str]] | None = None, demo_password: str | None = None,
) -> str:
    message = (
        Markup('<div class="alert alert-danger py-2" role="alert"><i class="bi bi-exclamation-octagon"></i> {}</div>')
        .format(error) if error else ""
    )
    demo = ""
    if demo_users:
        rows = Markup("").join(
            Markup("<tr><td><code>{}</code></td><td>{}</td></tr>").format(name, label) for name, label in demo_users
        )
        hint = Markup(" (password <code>{}</code>)").format(demo_password) if demo_password == "demo" else ""
        demo = Markup(
            '<details class="mt-4 small"><summary class="text-body-secondary">Demo accounts{}</summary>'
            '<table class="table table-sm mt-2 mb-0">{}</table></details>'
        ).format(hint, rows)
    body = Markup(_LOGIN_BODY).format(
        message=message, csrf=csrf, next=next_url, username=username, demo=demo,
        id_user=Login.USERNAME, id_password=Login.PASSWORD, id_submit=Login.SUBMIT, id_guest=Login.GUEST,
        id_register=Accounts.LOGIN_LINK,
    )
    return _page("Sign in", body)


# --- the application for an account (/register) ------------------------------------------------------------

ORG_CODE_CHOICE = "code"
NEW_ORG_CHOICE = "new"
_GROUP_LABELS = {"iso": "IESO", "ldc": "LDCs", "aggregator": "Aggregators", "transmitter": "Transmitters",
                 "der_owner": "DER owners"}


@dataclass(frozen=True)
class RegisterForm:
    """What the /register page needs: the values typed (never the passwords), problems by field, choices."""

    values: dict[str, str] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)  # form field name -> messages
    general: list[str] = field(default_factory=list)  # problems not about one field
    roles: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    organisations: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, kind)
    new_kinds: list[tuple[str, str]] = field(default_factory=list)  # (value, label)


def _feedback(name: str, form: RegisterForm) -> tuple[str, Markup]:
    messages = form.problems.get(name, [])
    if not messages:
        return "", Markup("")
    text = Markup("<br>").join(Markup("{}").format(m) for m in messages)
    return " is-invalid", Markup('<div class="invalid-feedback" id="{}-problem">{}</div>').format(name, text)


def _hint(name: str, hint: str | None) -> Markup:
    return Markup('<div class="form-text" id="{}-hint">{}</div>').format(name, hint) if hint else Markup("")


def _input(form: RegisterForm, name: str, element_id: str, label: str, *, kind: str = "text",
           autocomplete: str = "off", hint: str | None = None, maxlength: int = 200, keep: bool = True) -> Markup:
    invalid, feedback = _feedback(name, form)
    value = form.values.get(name, "") if keep else ""
    return Markup(
        '<div class="mb-3"><label class="form-label" for="{id}">{label}</label>'
        '<input class="form-control{invalid}" id="{id}" name="{name}" type="{kind}" value="{value}" '
        'maxlength="{maxlength}" autocomplete="{autocomplete}" aria-describedby="{name}-hint {name}-problem">'
        '{feedback}{hint}</div>'
    ).format(id=element_id, label=label, invalid=invalid, name=name, kind=kind, value=value, maxlength=maxlength,
             autocomplete=autocomplete, feedback=feedback, hint=_hint(name, hint))


def _option(value: str, label: str, selected: str) -> Markup:
    return Markup('<option value="{}"{}>{}</option>').format(value, Markup(" selected") if value == selected else "",
                                                            label)


def _select(form: RegisterForm, name: str, element_id: str, label: str, groups: list[tuple[str | None, list[
        tuple[str, str]]]], *, placeholder: str, hint: str | None = None) -> Markup:
    invalid, feedback = _feedback(name, form)
    selected = form.values.get(name, "")
    parts = [_option("", placeholder, selected)]
    for group, options in groups:
        inner = Markup("").join(_option(v, text, selected) for v, text in options)
        parts.append(Markup('<optgroup label="{}">{}</optgroup>').format(group, inner) if group else inner)
    return Markup(
        '<div class="mb-3"><label class="form-label" for="{id}">{label}</label>'
        '<select class="form-select{invalid}" id="{id}" name="{name}" aria-describedby="{name}-hint {name}-problem">'
        '{options}</select>{feedback}{hint}</div>'
    ).format(id=element_id, label=label, invalid=invalid, name=name, options=Markup("").join(parts),
             feedback=feedback, hint=_hint(name, hint))


def _row(*cells: Markup) -> Markup:
    return Markup('<div class="row g-3">{}</div>').format(
        Markup("").join(Markup('<div class="col-md-6">{}</div>').format(c) for c in cells))


def render_register(*, csrf: str, form: RegisterForm) -> str:
    """The application form: plain HTML (no script), field-by-field messages, what was typed kept."""
    a = Accounts
    general = Markup("")
    if form.general or form.problems:
        items = Markup("").join(Markup("<li>{}</li>").format(m) for m in form.general)
        general = Markup(
            '<div class="alert alert-danger py-2" role="alert" id="{}"><i class="bi bi-exclamation-octagon"></i> '
            'Nothing was sent: please correct the fields marked below.{}</div>'
        ).format(a.REGISTER_ERRORS, Markup('<ul class="mb-0">{}</ul>').format(items) if items else "")
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for org_id, org_name, kind in form.organisations:
        by_kind.setdefault(kind, []).append((str(org_id), org_name))
    org_groups: list[tuple[str | None, list[tuple[str, str]]]] = [
        (_GROUP_LABELS.get(kind, kind), options) for kind, options in by_kind.items()]
    org_groups.append(("Not listed", [(ORG_CODE_CHOICE, "My organisation is registered: I have its code"),
                                      (NEW_ORG_CHOICE, "A new organisation: I name it below")]))
    body = Markup("""
    <h2 class="h5">Apply for an account</h2>
    <p class="text-body-secondary small">A platform administrator reviews every application. You can sign in once
      it is approved. All fields are required unless marked optional.</p>
    {general}
    <form method="post" action="/register" id="{form_id}" autocomplete="on" novalidate>
      <input type="hidden" name="csrf_token" value="{csrf}">
      {names}{contact}{passwords}
      {role}
      <fieldset class="border rounded p-3 mb-3">
        <legend class="float-none w-auto px-2 fs-6 mb-0">Organisation</legend>
        {organisation}
        <div class="row g-3">
          <div class="col-md-4">{code}</div>
          <div class="col-md-8">{new_name}</div>
        </div>
        {new_kind}
      </fieldset>
      <button class="btn btn-primary btn-lg w-100" id="{submit}" type="submit">Send my application</button>
    </form>
    <div class="text-center mt-3"><a class="link-secondary" href="/login"><i class="bi bi-box-arrow-in-right"></i>
      Back to sign in</a></div>""").format(
        general=general, form_id=a.REGISTER_FORM, csrf=csrf, submit=a.REGISTER_SUBMIT,
        names=_row(
            _input(form, "username", a.REGISTER_USERNAME, "Username", autocomplete="username", maxlength=40,
                   hint="3 to 40 lower-case letters, digits, '.', '-' or '_'"),
            _input(form, "display_name", a.REGISTER_DISPLAY_NAME, "Full name", autocomplete="name",
                   hint="As colleagues in other organisations will see it"),
        ),
        contact=_row(
            _input(form, "email", a.REGISTER_EMAIL, "Work email", kind="email", autocomplete="email"),
            _input(form, "phone", a.REGISTER_PHONE, "Phone", kind="tel", autocomplete="tel", maxlength=40,
                   hint="e.g. +1 416 555 0100 ext. 12"),
        ),
        passwords=_row(
            _input(form, "password", a.REGISTER_PASSWORD, "Password", kind="password", keep=False,
                   autocomplete="new-password", hint="At least 12 characters; a few words are easy to remember"),
            _input(form, "password_confirm", a.REGISTER_PASSWORD_CONFIRM, "Password again", kind="password",
                   keep=False, autocomplete="new-password"),
        ),
        role=_select(form, "requested_role", a.REGISTER_ROLE, "Role you need", [(None, form.roles)],
                     placeholder="Choose a role…",
                     hint="Administrator accounts are granted by another administrator, not applied for."),
        organisation=_select(
            form, "organisation", a.REGISTER_ORGANISATION, "Your organisation", org_groups,
            placeholder="Choose your organisation…",
            hint="LDC operators belong to an LDC, IESO operators to the IESO, aggregators to an aggregator, "
                 "DER owners to a DER owner; a manager to any organisation."),
        code=_input(form, "organisation_code", a.REGISTER_ORGANISATION_CODE, "Organisation code (if you have it)",
                    maxlength=32, hint="DER owners are not listed: ask your organisation for its code"),
        new_name=_input(form, "new_organisation_name", a.REGISTER_NEW_ORGANISATION_NAME,
                        "New organisation name (if new)", hint="Its legal name; an administrator confirms it"),
        new_kind=_select(form, "new_organisation_kind", a.REGISTER_NEW_ORGANISATION_KIND, "New organisation kind",
                         [(None, form.new_kinds)], placeholder="Kind of the new organisation…"),
    )
    return _page("Apply for an account", body, wide=True)


def render_registered(*, reference: str, username: str, organisation: str, pending_organisation: bool) -> str:
    """The confirmation after an application: its reference and what happens next."""
    org_note = Markup(" The new organisation <strong>{}</strong> is reviewed with it.").format(organisation) if (
        pending_organisation) else ""
    body = Markup("""
    <div class="alert alert-success" role="status"><i class="bi bi-check-circle"></i> Application received.</div>
    <p>Your application reference is <strong><code id="{ref_id}">{reference}</code></strong>; please quote it if you
      contact the platform operator.</p>
    <p>A platform administrator will review it.{org_note} Once it is approved you can sign in as
      <code>{username}</code> with the password you chose. Until then, signing in is not possible.</p>
    <a class="btn btn-outline-secondary w-100" href="/login"><i class="bi bi-box-arrow-in-right"></i>
      Back to sign in</a>""").format(ref_id=Accounts.REGISTER_REFERENCE, reference=reference, username=username,
                                      org_note=org_note)
    return _page("Application received", body)
