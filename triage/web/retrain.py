"""`python -m triage.web.retrain CORRECTIONS.jsonl`: retrain with the corrections people
made, as a candidate that replaces the current model only if it is not worse. Run as a
child process of the web server so that minutes of CPU work never stall the pages; the
last line of output is the result as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from triage.classify.corrections import load_corrections
    from triage.classify.fitting import TrainConfig
    from triage.classify.train import train

    extra = load_corrections(Path(argv[0]))
    result = train(extra=extra, candidate=True, config=TrainConfig(), progress=False)
    print(json.dumps({"promoted": result.promoted, "reason": result.reason,
                      "version": result.metrics["version"],
                      "headline": result.metrics["headline"], "corrections": len(extra),
                      "seconds": result.seconds}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
