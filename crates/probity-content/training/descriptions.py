"""Writes descriptions.csv: descriptions of people as police write them (suspects, victims,
witnesses, missing people), none abusive (label 0), added to the abusive model's training data
(see README.md beside this file).

The abusive model learnt from tweets, in which "white", "black" and "Asian" came most often with
racist abuse, so a plain description ("suspect is a white male") scored close to its threshold.
Deterministic: the same script writes the same file.

    python3 crates/probity-content/training/descriptions.py > crates/probity-content/training/descriptions.csv
"""
import csv, itertools, random, sys

rng = random.Random(20261206)

ROLES = ["suspect", "offender", "victim", "witness", "informant", "missing person", "driver",
         "passenger", "detainee", "complainant", "casualty", "subject", "caller", "shoplifter",
         "cyclist", "pedestrian"]
ETHNICITY = ["white", "black", "Asian", "mixed race", "white British", "Black British", "IC1",
             "IC3", "IC4", "White Other", "Eastern European", "South Asian", "Chinese", "Arab",
             "dark-skinned", "fair-skinned", "olive-skinned"]
SEX = ["male", "female", "man", "woman", "youth", "teenager", "lad", "girl", "boy"]
AGE = ["in his 20s", "in her 30s", "aged about 40", "late teens", "early 50s", "about 25",
       "mid 30s", "around 60", "aged 17"]
BUILD = ["slim build", "stocky", "medium build", "heavily built", "tall and thin", "short",
         "about 5ft 8", "over 6ft", "athletic build"]
CLOTHES = ["navy tracksuit", "grey hoodie", "black puffer jacket", "hi-vis vest", "denim jacket",
           "white trainers", "red baseball cap", "green parka", "school blazer", "work boots",
           "blue scrubs", "brown leather jacket", "black balaclava", "white shirt"]
HAIR = ["short dark hair", "blond ponytail", "shaved head", "grey beard", "curly black hair",
        "ginger hair", "bald", "dreadlocks", "long brown hair", "braids"]
FRAMES = [
    "{Role} given as {a_eth} {sex}, {age}, {build}, dressed in a {clothes}.",
    "{Role}: {eth} {sex}, {age}, {hair}.",
    "The {role} appears to be {a_eth} {sex} {age} with {hair}.",
    "{Role} is {eth}, {sex}, {build}, last seen in a {clothes}.",
    "Description of the {role}: {eth} {sex}, {build}, {hair}, {clothes}.",
    "CCTV shows the {role}, {a_eth} {sex}, {age}, in a {clothes}.",
    "Circulated: {eth} {sex}, {age}, {build}, {hair}.",
    "The {role} was {a_eth} {sex} with {hair} and a {clothes}.",
    "Ethnicity of the {role} recorded as {eth}; {sex}, {age}.",
    "PNC check on the {role}, {eth} {sex}, {age}, no trace.",
]

rows = set()
for role, eth, sex in itertools.product(ROLES, ETHNICITY, SEX):
    frame = rng.choice(FRAMES)
    a_eth = ("an " if eth[0] in "AEIOU" else "a ") + eth
    text = frame.format(role=role, Role=role[0].upper() + role[1:], eth=eth, a_eth=a_eth, sex=sex,
                        age=rng.choice(AGE), build=rng.choice(BUILD), clothes=rng.choice(CLOTHES),
                        hair=rng.choice(HAIR))
    rows.add(text)
rows = sorted(rows)
rng.shuffle(rows)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["text", "label"])
for t in sorted(rows[:600]):
    w.writerow([t, 0])
