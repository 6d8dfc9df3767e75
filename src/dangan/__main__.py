"""python -m dangan"""

from dangan.cli.main import run

run()
