"""Load the whole catalogue before a test module imports one check module directly: `catalogue()` imports the
section modules only while the registry is empty, so an early `from scaffold.checks.deploy import ...` would
otherwise leave it holding that one section."""

from scaffold.checks import catalogue

catalogue()
