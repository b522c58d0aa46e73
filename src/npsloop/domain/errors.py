"""Named domain errors; the API turns each into one HTTP answer in one place."""


class DomainError(Exception):
    """Base of every error the core raises on purpose."""


class InvalidScore(DomainError):
    pass


class InvalidTransition(DomainError):
    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"a case that is {status} cannot be {action}")
        self.status = status
        self.action = action


class OutcomeRequired(DomainError):
    pass


class CaseNotFound(DomainError):
    pass


class UnknownAgent(DomainError):
    pass


class UnknownTeam(DomainError):
    pass


class DuplicateName(DomainError):
    pass
