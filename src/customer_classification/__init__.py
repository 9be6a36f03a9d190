"""customer_classification"""

__version__ = "0.1"
