"""The intelligence picture the service shows: the gated model fitted per map window, its
recorded accuracy, the places' recent events and forecast, and live deployments on the map.

The forecasting library (:mod:`patrolgate.forecast`) knows nothing of databases; this
package feeds it the stored events and keeps what it fitted for the service's requests.
"""

from patrolgate.picture.service import FittedPicture, Picture, Serialised
from patrolgate.picture.windows import MAP_COVERAGE, TITLES, MapWindow

__all__ = ["MAP_COVERAGE", "TITLES", "FittedPicture", "MapWindow", "Picture", "Serialised"]
