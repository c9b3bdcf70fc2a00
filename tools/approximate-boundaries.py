#!/usr/bin/env python3
"""Writes approximate commune-level boundaries for the Hue demo profile.

No official boundary polygons are available offline, so each ward or commune gets the Voronoi cell around an
approximate centre, clipped to a coarse outline of the city. The result is marked approximate; a city replaces the
file with official GeoJSON polygons (one Feature per unit, property "unit" = the unit code) without code changes.

Usage: python3 tools/approximate-boundaries.py > Sources/Platform/Resources/cities/hue/boundaries.geojson
"""
import json

# Coarse city outline (lon, lat), counter-clockwise, following the coast from Phong Dien to Lang Co and the
# mountain border back through A Luoi.
OUTLINE = [
    (107.16, 16.70), (107.30, 16.78), (107.48, 16.68), (107.62, 16.60), (107.78, 16.49), (107.93, 16.39),
    (108.05, 16.30), (108.20, 16.24), (108.12, 16.13), (107.95, 16.12), (107.80, 16.02), (107.62, 15.98),
    (107.45, 16.05), (107.30, 16.02), (107.10, 16.08), (107.00, 16.22), (107.05, 16.40), (107.10, 16.55),
]

# Approximate centres (lat, lon) of the 40 commune-level units.
CENTRES = {
    "phuong-phu-xuan": (16.474, 107.575), "phuong-thuan-hoa": (16.461, 107.596), "phuong-vy-da": (16.474, 107.612),
    "phuong-an-cuu": (16.447, 107.602), "phuong-kim-long": (16.462, 107.548), "phuong-thuy-xuan": (16.437, 107.570),
    "phuong-huong-an": (16.487, 107.540), "phuong-duong-no": (16.508, 107.612), "phuong-my-thuong": (16.500, 107.650),
    "phuong-thuan-an": (16.556, 107.640), "phuong-thanh-thuy": (16.422, 107.625), "phuong-huong-thuy": (16.395, 107.650),
    "phuong-phu-bai": (16.390, 107.705), "phuong-huong-tra": (16.525, 107.505), "phuong-kim-tra": (16.505, 107.455),
    "phuong-hoa-chau": (16.535, 107.580), "phuong-phong-dien": (16.610, 107.350), "phuong-phong-dinh": (16.650, 107.420),
    "phuong-phong-phu": (16.560, 107.300), "phuong-phong-quang": (16.700, 107.330), "phuong-phong-thai": (16.640, 107.250),
    "xa-a-luoi-1": (16.330, 107.150), "xa-a-luoi-2": (16.250, 107.200), "xa-a-luoi-3": (16.170, 107.250),
    "xa-a-luoi-4": (16.100, 107.380), "xa-a-luoi-5": (16.400, 107.230), "xa-binh-dien": (16.370, 107.480),
    "xa-chan-may-lang-co": (16.250, 108.050), "xa-dan-dien": (16.600, 107.480), "xa-hung-loc": (16.270, 107.790),
    "xa-khe-tre": (16.180, 107.720), "xa-loc-an": (16.340, 107.790), "xa-long-quang": (16.070, 107.700),
    "xa-nam-dong": (16.150, 107.600), "xa-phu-ho": (16.465, 107.690), "xa-phu-loc": (16.280, 107.900),
    "xa-phu-vang": (16.490, 107.740), "xa-phu-vinh": (16.410, 107.800), "xa-quang-dien": (16.575, 107.530),
    "xa-vinh-loc": (16.360, 107.900),
}


def clip(polygon, a, b):
    """Keeps the part of polygon nearer to site a than to site b (Sutherland–Hodgman against the bisector)."""
    (ax, ay), (bx, by) = a, b
    nx, ny = bx - ax, by - ay
    c = (bx * bx + by * by - ax * ax - ay * ay) / 2

    def inside(p):
        return p[0] * nx + p[1] * ny <= c

    def cross(p, q):
        t = (c - p[0] * nx - p[1] * ny) / ((q[0] - p[0]) * nx + (q[1] - p[1]) * ny)
        return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))

    out = []
    for i, p in enumerate(polygon):
        q = polygon[(i + 1) % len(polygon)]
        if inside(p):
            out.append(p)
            if not inside(q):
                out.append(cross(p, q))
        elif inside(q):
            out.append(cross(p, q))
    return out


def main():
    # Work in a plane scaled so a degree of longitude and of latitude are about the same length at 16.5 N.
    scale = 0.9588
    sites = {code: (lon * scale, lat) for code, (lat, lon) in CENTRES.items()}
    outline = [(lon * scale, lat) for lon, lat in OUTLINE]
    features = [{
        "type": "Feature",
        "properties": {"unit": "hue", "approximate": True},
        "geometry": {"type": "Polygon", "coordinates": [[[lon, lat] for lon, lat in OUTLINE + OUTLINE[:1]]]},
    }]
    for code, site in sites.items():
        cell = outline
        for other_code, other in sites.items():
            if other_code != code:
                cell = clip(cell, site, other)
        ring = [[round(x / scale, 5), round(y, 5)] for x, y in cell]
        ring.append(ring[0])
        features.append({"type": "Feature", "properties": {"unit": code, "approximate": True},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    print(json.dumps({
        "type": "FeatureCollection",
        "source": "APPROXIMATE: Voronoi cells around estimated unit centres clipped to a coarse city outline "
                  "(tools/approximate-boundaries.py). Replace with the official boundaries before production use.",
        "features": features,
    }, ensure_ascii=False, separators=(",", ":")))


main()
