"""The intelligence picture the service shows: the default model fitted per map window, its
measured accuracy, the places' recent events and forecast, and live deployments on the map.

The forecasting library (:mod:`patrolgate.forecast`) knows nothing of databases; this
package feeds it the stored events and keeps what it fitted for the service's requests.
"""

from patrolgate.picture.service import MAP_COVERAGE, FittedPicture, MapWindow, Picture, Serialised

__all__ = ["MAP_COVERAGE", "FittedPicture", "MapWindow", "Picture", "Serialised"]
