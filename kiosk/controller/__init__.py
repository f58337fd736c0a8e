"""The kiosk's controllers: state, flows and talk to the hall server and the devices, with no Qt.

Views (kiosk.views) render a controller's state and forward taps to it; everything here is tested without
a screen (an import-linter contract keeps Qt out).
"""
