"""The kiosk's Qt views: widgets only. Each page renders its controller's state and forwards taps to it."""
