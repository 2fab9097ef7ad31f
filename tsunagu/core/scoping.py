"""The one access policy: which rows of customer data a user may see.

The ladder is written once, here: head-office staff (a department) and superusers see every row,
agency staff see the rows that belong to their agency, branch staff (営業拠点) see the rows that belong
to any agency of their branch, everyone else (no organisation, anonymous) sees nothing. A scoped model
does not repeat the ladder; its queryset declares only *how its rows belong to an agency* as a `Rule`,
and the ladder hands the rule the set of agencies the user works for (`AgencySet`: one agency id, or
a subquery of a branch's agency ids), so every scoped model follows a new rung with no change:

- `AgencyField("agency")` — the row names its agency (a policy);
- `CustomerLink("pk")` — the row is (or points at) a customer served by the agency; the customer
  app supplies the link table through `customer_link`;
- `Via("policy")` — the row is visible exactly when the related row is (a claim through its policy);
  `Via("policy", optional=True)` also lets rows without one through;
- `All(...)` — every rule must hold; `FirstOf(...)` — the first relation that is set decides
  (a document: its policy if it has one, else its case, else its customer).

Core cannot import the customer app (apps depend downward), so the customer-link condition is
registered by the customers app at import time (`register_customer_link`).
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Self, TypeAlias

from django.db import models
from django.db.models import Q

from .writes import HistoryQuerySet


class Reach(enum.Enum):
    ALL = "all"  # head office: every row
    AGENCY = "agency"  # agency staff: their agency's rows
    BRANCH = "branch"  # branch staff (営業拠点): the rows of every agency of their branch
    NONE = "none"  # anonymous, or a user with no organisation


# The agencies whose rows a user sees: one agency id (agency staff), or a subquery of agency ids
# (branch staff: `Agency.branch` is indexed, so the subquery is an index scan inside the same SQL).
AgencySet: TypeAlias = int | models.QuerySet[Any]


def _is_batch_actor(user: Any) -> bool:
    """The `system` user of core.services.system_user: inactive, no usable password, so never a
    logged-in request; commands and tasks act as it."""
    return (
        getattr(user, "username", None) == "system"
        and getattr(user, "pk", None) is not None
        and not getattr(user, "is_active", True)
        and not user.has_usable_password()
    )


def reach(user: Any) -> Reach:
    if _is_batch_actor(user):
        return Reach.ALL  # commands and background tasks act as `system` (e.g. 名寄せ linking to any customer)
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return Reach.NONE
    if user.is_superuser:
        return Reach.ALL
    if not getattr(user, "roles", None):
        # The organisation places a user's rows; a role grants the work. Without any role (never given
        # one, or every role revoked in an access review) a member of staff sees no personal data.
        return Reach.NONE
    if user.department_id is not None:
        return Reach.ALL
    if user.agency_id is not None:
        return Reach.AGENCY
    if getattr(user, "branch_id", None) is not None:
        return Reach.BRANCH
    return Reach.NONE


def sees_all(user: Any) -> bool:
    return reach(user) is Reach.ALL


def sees_part(user: Any) -> bool:
    """Bound to some agencies' rows (agency or branch staff): what an app asks instead of testing
    `Reach.AGENCY`, so that a new rung of the ladder cannot fall through to "everything"."""
    return reach(user) in (Reach.AGENCY, Reach.BRANCH)


def agencies_of(user: Any) -> AgencySet | None:
    """The agencies whose rows the user sees: None for every agency (head office), an agency id, or a
    subquery of agency ids. Users who see nothing get an empty subquery."""
    from .models import Agency  # models import writes; scoping must not import models at import time

    match reach(user):
        case Reach.ALL:
            return None
        case Reach.AGENCY:
            return int(user.agency_id)
        case Reach.BRANCH:
            return Agency.objects.filter(branch_id=user.branch_id).order_by().values("pk")
        case _:
            return Agency.objects.none().values("pk")


def visible_agencies(user: Any) -> models.QuerySet[Any]:
    """The Agency rows of the user's reach (for choosers and per-agency figures)."""
    from .models import Agency

    return Agency.objects.filter(agency_condition("pk", agencies_of(user)))


def covers_agency(user: Any, agency_id: int | None) -> bool:
    """Whether `agency_id` is one of the user's agencies (always, for head office). Write services of
    agency or branch staff ask this before acting for an agency."""
    agencies = agencies_of(user)
    if agencies is None:
        return True
    if isinstance(agencies, int):
        return agency_id == agencies
    return agency_id is not None and visible_agencies(user).filter(pk=agency_id).exists()


def agency_condition(path: str, agencies: AgencySet | None) -> Q:
    """`path` (an agency foreign key or id) is one of `agencies` (None: any)."""
    if agencies is None:
        return Q()
    if isinstance(agencies, int):
        return Q(**{path: agencies})  # exactly the SQL of one agency: `= id`
    return Q(**{f"{path}__in": agencies})


# (path to a customer's pk, agencies) -> condition; set by the customers app.
_customer_link: Callable[[str, AgencySet], Q] | None = None


def register_customer_link(condition: Callable[[str, AgencySet], Q]) -> None:
    global _customer_link
    _customer_link = condition


class Rule(abc.ABC):
    @abc.abstractmethod
    def condition(self, model: type[models.Model], prefix: str, agencies: AgencySet) -> Q:
        """The rows of `model` (reached from the filtered model through `prefix`) of these agencies."""


def _join(prefix: str, field: str) -> str:
    return f"{prefix}{field}"


@dataclass(frozen=True)
class AgencyField(Rule):
    field: str

    def condition(self, model: type[models.Model], prefix: str, agencies: AgencySet) -> Q:
        return agency_condition(_join(prefix, f"{self.field}_id"), agencies)


@dataclass(frozen=True)
class CustomerLink(Rule):
    """`field` is the customer foreign key ("customer") or "pk" on the customer itself."""

    field: str

    def condition(self, model: type[models.Model], prefix: str, agencies: AgencySet) -> Q:
        if _customer_link is None:
            raise RuntimeError("the customers app registers the customer link when it is imported")
        return _customer_link(_join(prefix, self.field), agencies)


@dataclass(frozen=True)
class Via(Rule):
    field: str
    optional: bool = False

    def condition(self, model: type[models.Model], prefix: str, agencies: AgencySet) -> Q:
        related = model._meta.get_field(self.field).related_model
        inner = rule_of(related).condition(related, _join(prefix, f"{self.field}__"), agencies)  # type: ignore[arg-type]
        if self.optional:
            return Q(**{_join(prefix, f"{self.field}__isnull"): True}) | inner
        return inner


@dataclass(frozen=True)
class All(Rule):
    rules: tuple[Rule, ...]

    def condition(self, model: type[models.Model], prefix: str, agencies: AgencySet) -> Q:
        combined = Q()
        for rule in self.rules:
            combined &= rule.condition(model, prefix, agencies)
        return combined


@dataclass(frozen=True)
class FirstOf(Rule):
    """The first of the nullable relations that is set decides; `otherwise` when none is."""

    fields: tuple[str, ...]
    otherwise: Rule

    def condition(self, model: type[models.Model], prefix: str, agencies: AgencySet) -> Q:
        combined, none_before = Q(), Q()
        for field in self.fields:
            is_set = Q(**{_join(prefix, f"{field}__isnull"): False})
            combined |= none_before & is_set & Via(field).condition(model, prefix, agencies)
            none_before &= Q(**{_join(prefix, f"{field}__isnull"): True})
        return combined | (none_before & self.otherwise.condition(model, prefix, agencies))


def rule_of(model: type[models.Model]) -> Rule:
    queryset_class = type(model._default_manager.get_queryset())
    rule = getattr(queryset_class, "scope_rule", None)
    if rule is None:
        raise TypeError(f"{model._meta.label} declares no scope_rule")
    return rule


class ScopedQuerySet(HistoryQuerySet):
    """Base for every queryset of customer data: `visible_to(user)` applies the one ladder. Customer
    data keeps row history, so bulk writes that would skip it are refused here too (core.writes)."""

    scope_rule: ClassVar[Rule]

    def visible_to(self, user: Any) -> Self:
        match reach(user):
            case Reach.ALL:
                return self
            case Reach.AGENCY | Reach.BRANCH:
                agencies = agencies_of(user)
                assert agencies is not None
                return self.filter(self.scope_rule.condition(self.model, "", agencies))
            case _:
                return self.none()


def scoped_models() -> list[type[models.Model]]:
    """Every model whose default queryset is scoped (for contract tests)."""
    from django.apps import apps

    return [m for m in apps.get_models() if isinstance(m._default_manager.get_queryset(), ScopedQuerySet)]
