"""Camera: frame sources, QR scanning of appointment codes, face presence for the visitor photo."""
