"""Build hook: ship the prompt templates inside the package while `prompts/` stays where they are edited.

The templates live in the top-level `prompts/` folder (the design's layout), outside the `reporter`
package, so package data alone can't carry them. `build_py` copies `prompts/*.md` into
`reporter/_prompts/` of the build, so every wheel, non-editable install and pipx install holds them;
`reporter.llm.prompts` reads that copy when it exists and the checkout's `prompts/` otherwise
(editable installs). Nothing is copied into the source tree, so there is one place to edit a prompt.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithPrompts(build_py):
    """`build_py` that also copies the prompt templates into the built package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "reporter" / "_prompts"
        target.mkdir(parents=True, exist_ok=True)
        for prompt in sorted((ROOT / "prompts").glob("*.md")):
            self.copy_file(str(prompt), str(target / prompt.name))


setup(cmdclass={"build_py": BuildWithPrompts})
