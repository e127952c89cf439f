"""Automatic persisted queries' registrations: a bounded cache in each process.

APQ saves bandwidth; it is not an allow-list. A document a client registers this way is
kept apart from the trusted documents, or any client could make its own text trusted,
and only in memory: a replica that has not seen it answers PERSISTED_QUERY_NOT_FOUND
and the client sends the text once more, as the protocol intends. Least recently used
documents go first when the cache is over either of its bounds.
"""

from __future__ import annotations

from collections import OrderedDict

MAX_DOCUMENTS = 2_000
MAX_CHARACTERS = 8_000_000  # a document may be as long as a request body


class AutomaticPersistedQueries:
    def __init__(
        self, max_documents: int = MAX_DOCUMENTS, max_characters: int = MAX_CHARACTERS
    ) -> None:
        self.max_documents = max_documents
        self.max_characters = max_characters
        self._texts: OrderedDict[str, str] = OrderedDict()  # hash -> text, oldest use first
        self._characters = 0

    def __len__(self) -> int:
        return len(self._texts)

    def text(self, digest: str) -> str | None:
        text = self._texts.get(digest)
        if text is not None:
            self._texts.move_to_end(digest)
        return text

    def remember(self, digest: str, text: str) -> None:
        """Keep ``text`` under ``digest``, which the caller has checked is its hash."""
        if digest in self._texts:
            self._texts.move_to_end(digest)
            return
        if len(text) > self.max_characters:
            return
        self._texts[digest] = text
        self._characters += len(text)
        while len(self._texts) > self.max_documents or self._characters > self.max_characters:
            _, dropped = self._texts.popitem(last=False)
            self._characters -= len(dropped)
