"""Where the map centres on a département or a région: the coordinates of its chef-lieu.

The Etalab data set gives no coordinates, so this table is ours. A département is centred on its préfecture and a
région on its chef-lieu (itself the préfecture of one of its départements): that is where the State services the
platform works with sit, and the point the former platform showed (reference §A.1, "chief town with coordinates").
Values are (latitude, longitude) in WGS 84 decimal degrees, to about a hundred metres.
"""

DEPARTEMENT_CENTRES: dict[str, tuple[float, float]] = {
    "01": (46.2052, 5.2255),  # Bourg-en-Bresse
    "02": (49.5641, 3.6199),  # Laon
    "03": (46.5646, 3.3326),  # Moulins
    "04": (44.0925, 6.2356),  # Digne-les-Bains
    "05": (44.5594, 6.0786),  # Gap
    "06": (43.7102, 7.2620),  # Nice
    "07": (44.7353, 4.5990),  # Privas
    "08": (49.7621, 4.7263),  # Charleville-Mézières
    "09": (42.9653, 1.6072),  # Foix
    "10": (48.2973, 4.0744),  # Troyes
    "11": (43.2130, 2.3491),  # Carcassonne
    "12": (44.3506, 2.5750),  # Rodez
    "13": (43.2965, 5.3698),  # Marseille
    "14": (49.1829, -0.3707),  # Caen
    "15": (44.9264, 2.4397),  # Aurillac
    "16": (45.6484, 0.1562),  # Angoulême
    "17": (46.1603, -1.1511),  # La Rochelle
    "18": (47.0810, 2.3988),  # Bourges
    "19": (45.2658, 1.7722),  # Tulle
    "21": (47.3220, 5.0415),  # Dijon
    "22": (48.5141, -2.7603),  # Saint-Brieuc
    "23": (46.1713, 1.8714),  # Guéret
    "24": (45.1847, 0.7214),  # Périgueux
    "25": (47.2378, 6.0241),  # Besançon
    "26": (44.9334, 4.8924),  # Valence
    "27": (49.0241, 1.1508),  # Évreux
    "28": (48.4439, 1.4890),  # Chartres
    "29": (47.9960, -4.1024),  # Quimper
    "2A": (41.9192, 8.7386),  # Ajaccio
    "2B": (42.6977, 9.4508),  # Bastia
    "30": (43.8367, 4.3601),  # Nîmes
    "31": (43.6047, 1.4442),  # Toulouse
    "32": (43.6460, 0.5857),  # Auch
    "33": (44.8378, -0.5792),  # Bordeaux
    "34": (43.6108, 3.8767),  # Montpellier
    "35": (48.1173, -1.6778),  # Rennes
    "36": (46.8103, 1.6913),  # Châteauroux
    "37": (47.3941, 0.6848),  # Tours
    "38": (45.1885, 5.7245),  # Grenoble
    "39": (46.6744, 5.5547),  # Lons-le-Saunier
    "40": (43.8902, -0.4999),  # Mont-de-Marsan
    "41": (47.5861, 1.3359),  # Blois
    "42": (45.4397, 4.3872),  # Saint-Étienne
    "43": (45.0434, 3.8858),  # Le Puy-en-Velay
    "44": (47.2184, -1.5536),  # Nantes
    "45": (47.9030, 1.9093),  # Orléans
    "46": (44.4475, 1.4419),  # Cahors
    "47": (44.2033, 0.6163),  # Agen
    "48": (44.5181, 3.5006),  # Mende
    "49": (47.4784, -0.5632),  # Angers
    "50": (49.1157, -1.0906),  # Saint-Lô
    "51": (48.9566, 4.3631),  # Châlons-en-Champagne
    "52": (48.1113, 5.1392),  # Chaumont
    "53": (48.0707, -0.7734),  # Laval
    "54": (48.6921, 6.1844),  # Nancy
    "55": (48.7727, 5.1601),  # Bar-le-Duc
    "56": (47.6582, -2.7608),  # Vannes
    "57": (49.1193, 6.1757),  # Metz
    "58": (46.9908, 3.1628),  # Nevers
    "59": (50.6292, 3.0573),  # Lille
    "60": (49.4295, 2.0807),  # Beauvais
    "61": (48.4329, 0.0913),  # Alençon
    "62": (50.2910, 2.7775),  # Arras
    "63": (45.7772, 3.0870),  # Clermont-Ferrand
    "64": (43.2951, -0.3708),  # Pau
    "65": (43.2328, 0.0781),  # Tarbes
    "66": (42.6887, 2.8948),  # Perpignan
    "67": (48.5734, 7.7521),  # Strasbourg
    "68": (48.0794, 7.3585),  # Colmar
    "69": (45.7640, 4.8357),  # Lyon
    "70": (47.6227, 6.1557),  # Vesoul
    "71": (46.3069, 4.8287),  # Mâcon
    "72": (48.0061, 0.1996),  # Le Mans
    "73": (45.5646, 5.9178),  # Chambéry
    "74": (45.8992, 6.1294),  # Annecy
    "75": (48.8566, 2.3522),  # Paris
    "76": (49.4432, 1.0999),  # Rouen
    "77": (48.5397, 2.6551),  # Melun
    "78": (48.8049, 2.1204),  # Versailles
    "79": (46.3237, -0.4588),  # Niort
    "80": (49.8941, 2.2958),  # Amiens
    "81": (43.9289, 2.1464),  # Albi
    "82": (44.0176, 1.3550),  # Montauban
    "83": (43.1242, 5.9280),  # Toulon
    "84": (43.9493, 4.8055),  # Avignon
    "85": (46.6705, -1.4269),  # La Roche-sur-Yon
    "86": (46.5802, 0.3404),  # Poitiers
    "87": (45.8336, 1.2611),  # Limoges
    "88": (48.1724, 6.4496),  # Épinal
    "89": (47.7982, 3.5673),  # Auxerre
    "90": (47.6380, 6.8628),  # Belfort
    "91": (48.6290, 2.4410),  # Évry-Courcouronnes
    "92": (48.8924, 2.2071),  # Nanterre
    "93": (48.9077, 2.4397),  # Bobigny
    "94": (48.7904, 2.4556),  # Créteil
    "95": (49.0507, 2.1008),  # Pontoise
    "971": (15.9985, -61.7261),  # Basse-Terre
    "972": (14.6161, -61.0588),  # Fort-de-France
    "973": (4.9224, -52.3135),  # Cayenne
    "974": (-20.8821, 55.4507),  # Saint-Denis
    "976": (-12.7806, 45.2279),  # Mamoudzou
}

# Each région is centred on its chef-lieu, given here by the département that holds it.
_REGION_CHEF_LIEU_DEPARTEMENT = {
    "01": "971",  # Guadeloupe — Basse-Terre
    "02": "972",  # Martinique — Fort-de-France
    "03": "973",  # Guyane — Cayenne
    "04": "974",  # La Réunion — Saint-Denis
    "06": "976",  # Mayotte — Mamoudzou
    "11": "75",  # Île-de-France — Paris
    "24": "45",  # Centre-Val de Loire — Orléans
    "27": "21",  # Bourgogne-Franche-Comté — Dijon
    "28": "76",  # Normandie — Rouen
    "32": "59",  # Hauts-de-France — Lille
    "44": "67",  # Grand Est — Strasbourg
    "52": "44",  # Pays de la Loire — Nantes
    "53": "35",  # Bretagne — Rennes
    "75": "33",  # Nouvelle-Aquitaine — Bordeaux
    "76": "31",  # Occitanie — Toulouse
    "84": "69",  # Auvergne-Rhône-Alpes — Lyon
    "93": "13",  # Provence-Alpes-Côte d'Azur — Marseille
    "94": "2A",  # Corse — Ajaccio
}

REGION_CENTRES: dict[str, tuple[float, float]] = {
    region: DEPARTEMENT_CENTRES[departement] for region, departement in _REGION_CHEF_LIEU_DEPARTEMENT.items()
}
