"""Names derived from a service name and its resource — the same rules as the computed values in copier.yml
(a test renders both and compares)."""

from __future__ import annotations

import re
from dataclasses import dataclass

SERVICE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
RESOURCE_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# `<name>.<stage>.platform.loop.health` must stay a valid DNS label, and so must `<name>-latency-p99` alarm names.
MAX_SERVICE_NAME = 30


def camel(words: list[str]) -> str:
    return words[0] + "".join(w.capitalize() for w in words[1:])


def pascal(words: list[str]) -> str:
    return "".join(w.capitalize() for w in words)


@dataclass(frozen=True)
class ServiceNames:
    name: str
    resource: str

    @property
    def name_camel(self) -> str:
        return camel(self.name.split("-"))

    @property
    def name_pascal(self) -> str:
        return pascal(self.name.split("-"))

    @property
    def name_snake(self) -> str:
        return self.name.replace("-", "_")

    @property
    def resource_camel(self) -> str:
        return camel(self.resource.split("_"))

    @property
    def resource_pascal(self) -> str:
        return pascal(self.resource.split("_"))

    @property
    def resource_plural(self) -> str:
        return f"{self.resource}s"

    @property
    def created_event(self) -> str:
        return f"{self.name}.{self.resource}_created"

    @property
    def read_scope(self) -> str:
        return f"{self.name}:read"

    @property
    def write_scope(self) -> str:
        return f"{self.name}:write"

    def template_context(self) -> dict[str, str]:
        return {
            "name": self.name,
            "resource": self.resource,
            "name_camel": self.name_camel,
            "name_pascal": self.name_pascal,
            "name_snake": self.name_snake,
            "resource_camel": self.resource_camel,
            "resource_pascal": self.resource_pascal,
            "resource_plural": self.resource_plural,
        }
