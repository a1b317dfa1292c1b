"""Writes workplace.csv: short sentences about women at work in a police force, sexist (1) and
not (0), added to the misogyny model's training data (see README.md beside this file).

The public sets are social-media posts in which women are mentioned far more often in sexist
posts than in others, so a model trained on them alone reads a bare mention of women as a sign
of sexism ("Is the female prisoner still in cell 4?"), and it has seen little sexism in police
workplace words. These sentences give it both. Deterministic: the same script writes the same
file.

    python3 crates/probity-content/training/workplace.py > crates/probity-content/training/workplace.csv
"""
import csv, itertools, random, sys

rng = random.Random(20261205)

# Not sexist: women and girls as colleagues, victims, witnesses, detainees, family.
PEOPLE = [
    "the female officer", "a female PC", "the woman", "the girl", "the lady", "his wife",
    "her daughter", "the female detainee", "the female sergeant", "our new inspector, a woman,",
    "the young woman", "the mother", "the female witness", "the policewoman", "the female DC",
    "the female custody officer", "the two girls", "the victim, a young woman,",
    "the female nurse", "the female applicant", "the female paramedic",
    "the girls' school", "the woman in flat 2", "the elderly lady", "the complainant, a woman,",
    "the female PCSO", "my wife", "the female manager", "her sister",
    "the girl's father", "the female solicitor", "the women from HR", "our female DS",
]
DOINGS = [
    "has had her update call", "is waiting in reception", "needs a lift back to the station",
    "will call you back after the briefing", "has asked for a callback", "gave her statement this morning",
    "is off until Friday", "is on earlies next week", "has finished the file",
    "is in interview room 2", "was taken to hospital as a precaution", "has the keys for the van",
    "is covering the front counter", "reported the burglary last night", "has agreed the safety plan",
    "has been referred to victim support", "is coming to the briefing", "has been booked on the course",
    "passed the response driving course", "has been seen by the doctor", "signed for her property",
    "wants an update on the case", "is at court all day", "has been moved to days",
    "did a great job at the scene", "is the point of contact for the family", "needs a new radio battery",
    "has sent the CCTV over", "will be the disclosure officer", "asked about overtime for Saturday",
]
FRAMES = [
    "{p} {d}.", "Can you tell {p} that the meeting moved? Thanks.", "Just to say {p} {d}.",
    "FYI {p} {d}.", "Update: {p} {d}.", "Is {p} still in? Need to check something.",
    "Please note {p} {d}.", "{p} {d}, cheers.",
]
NEUTRAL_ALSO = [
    "Could a policewoman cover the {x}?", "Two female PCs are down for the {x}.",
    "Need two women volunteers for the {x}.", "The staff women's association is running the {x}.",
    "Girls and young women are the focus of the {x}.", "The victim asked for a woman to lead the {x}.",
    "Female staff are welcome at the {x}.", "Women and men can both apply for the {x}.",
]
XS = ["house-to-house", "stop check", "school visit", "scene guard", "cordon", "witness appeal",
      "welfare visit", "recruitment day", "court warning", "training session", "victim visit"]

# Sexist: stereotypes and contempt for women at work, said of the group or one woman.
GROUPS = [
    "female officers", "policewomen", "women", "the females on shift",
    "female sergeants", "girls in policing", "women in policing", "female recruits", "female detectives",
    "the female probationers", "women bosses", "the girls on the team", "female response officers",
]
STEREOTYPES = [
    "are too emotional for the job", "can't handle violent prisoners", "only get promoted to tick a box",
    "should stick to the admin", "are a liability on nights", "are too weak for public order",
    "always play the victim", "should be at home raising children", "are only good for making brews",
    "burst into tears when they get told off", "are rubbish behind the wheel", "are hopeless in a crisis",
    "get promoted for their looks", "moan about everything", "are never as good at the job",
    "can't take a joke", "slow the whole team down", "don't belong on the frontline",
    "are only here because of quotas", "can't make a decision without crying",
]
SHE = ["she", "the new lass", "that woman", "the female sergeant", "the new female DC", "our female inspector"]
SHE_SAID = [
    "only got promoted because of her gender", "must be hormonal today", "should go home and cook for her husband",
    "needs to know her place", "is only here because of the diversity quota", "slept her way to the top",
    "is just a pretty face", "is too hysterical to lead", "should leave real policing to proper coppers",
    "was hired for her appearance", "is a typical nagging woman", "is too thick for CID, like all women",
]
SEXIST_FRAMES = ["{g} {s}.", "Honestly {g} {s}.", "Let's be real, {g} {s}.", "Everyone knows {g} {s}.",
                 "{g} {s}, always have.", "Face it, {g} {s}."]

neutral = set()
for p, d in itertools.product(PEOPLE, DOINGS):
    neutral.add(rng.choice(FRAMES).format(p=p, d=d))
for t, x in itertools.product(NEUTRAL_ALSO, XS):
    neutral.add(t.format(x=x))
sexist = set()
for g, s in itertools.product(GROUPS, STEREOTYPES):
    sexist.add(rng.choice(SEXIST_FRAMES).format(g=g, s=s))
for p, s in itertools.product(SHE, SHE_SAID):
    sexist.add(rng.choice(SEXIST_FRAMES).format(g=p, s=s))

def cap(t):
    return t[0].upper() + t[1:]

# Many plain mentions and fewer sexist sentences: the public sets already hold sexism, and more
# of these templated ones than this took F1 on EDOS's held-out part down (training/README.md).
NEUTRAL_COUNT, SEXIST_COUNT = 704, 120
neutral = sorted(cap(t) for t in neutral)
sexist = sorted(cap(t) for t in sexist)
rng.shuffle(neutral)
rng.shuffle(sexist)
neutral = sorted(neutral[:NEUTRAL_COUNT])
sexist = sorted(sexist[:SEXIST_COUNT])
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["text", "label"])
for t in neutral:
    w.writerow([t, 0])
for t in sexist:
    w.writerow([t, 1])
