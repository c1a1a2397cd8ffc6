"""Tools run by hand from the project root (`python -m scripts.<name>`); not tests, not run by CI."""
