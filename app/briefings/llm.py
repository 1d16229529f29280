"""The only module that imports openai: one chat-completions call, with timeout and retries.

The openai client retries 429 and 5xx itself (honouring Retry-After) with backoff; we cap the
attempts and the time per attempt, and hand back the text with the server's own token counts.
openai is imported on first use: it takes ~0.4 s, and most commands never brief.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 2
MAX_COMPLETION_TOKENS = 2_000


class LlmError(Exception):
    """The LLM server could not give an answer (timeout, refused, error status after retries)."""


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int


class ChatClient:
    """Chat completions against any OpenAI-compatible server (OpenAI, vLLM, Ollama, LM Studio)."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        model: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        import openai

        self.model = model
        # Local servers need no key, but the client insists on one.
        self._client = openai.OpenAI(
            base_url=base_url, api_key=api_key or "none", timeout=timeout, max_retries=retries
        )

    def complete(self, messages: list[dict], max_tokens: int = MAX_COMPLETION_TOKENS) -> Completion:
        """One non-streaming call; raises LlmError with a one-line reason."""
        import openai

        try:
            response = self._client.chat.completions.create(
                model=self.model, messages=messages, max_tokens=max_tokens, temperature=0.2
            )
        except openai.APITimeoutError:
            raise LlmError("the LLM server did not answer in time") from None
        except openai.APIStatusError as error:
            raise LlmError(f"the LLM server answered HTTP {error.status_code}") from None
        except openai.APIConnectionError as error:
            raise LlmError(f"cannot reach the LLM server: {error}") from None
        if not response.choices:
            raise LlmError("the LLM server answered without a choice")
        text = response.choices[0].message.content or ""
        usage = response.usage
        return Completion(
            text=text,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

    def close(self) -> None:
        self._client.close()
