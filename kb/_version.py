"""The version of the package (its own module, so that any module can name it without importing the
package, and the facade, first)."""

__version__ = "0.1.0"
