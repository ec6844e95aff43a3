"""Files: Slack's file model for messages with attachments, `files.info`, and downloading `url_private`.

A person shares files with a message (`post_message(..., files=[...])`): the `message` event (subtype
`file_share`) and the `app_mention` carry the file objects (id, name, mimetype, filetype, size, mode —
"snippet" for a snippet —, url_private, …). `files.info` (scope files:read) returns one; a file the bot cannot
see (not shared where it is a member), an unknown id: `file_not_found`; a deleted one: `file_deleted`.
`url_private` serves the bytes only to a request with the workspace's bot token in `Authorization: Bearer`:
no token 401, another token or an app without files:read 403, an unknown or deleted file 404.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from ..model import FILETYPES, SlackFile, new_id
from .base import ApiError, WorkspaceCore, _invalid

TEXT_MIMETYPE = "text/plain"


def _looks_like_text(data: bytes) -> bool:
    if b"\x00" in data[:8192]:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class FilesApi(WorkspaceCore):
    def add_file(
        self,
        name: str,
        content: bytes | str,
        *,
        user: str = "alice",
        mimetype: str | None = None,
        filetype: str | None = None,
        snippet: bool = False,
        title: str | None = None,
    ) -> SlackFile:
        """A file a person uploads (or a snippet they type: `snippet=True`, text/plain), not shared anywhere yet;
        `post_message(..., files=[f])` shares it. Mimetype and filetype follow the name when not given."""
        data = content.encode() if isinstance(content, str) else bytes(content)
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if snippet:
            mimetype = mimetype or TEXT_MIMETYPE
            filetype = filetype or FILETYPES.get(ext, "text")
        else:
            guessed = mimetypes.guess_type(name)[0]
            default = TEXT_MIMETYPE if _looks_like_text(data) else "application/octet-stream"  # Slack sniffs too
            mimetype = mimetype or guessed or default
            filetype = filetype or FILETYPES.get(ext) or ext or "binary"
        with self.lock:
            file = SlackFile(
                id=new_id("F"),
                team=self.team_id,
                user=self.user(user).id,
                name=name,
                content=data,
                mimetype=mimetype,
                filetype=filetype,
                mode="snippet" if snippet else "hosted",
                title=title or name,
            )
            self._files[file.id] = file
            return file

    def file(self, file_id: str) -> SlackFile:
        with self.lock:
            return self._files[file_id]

    def delete_file(self, file_id: str) -> None:
        """The file is deleted: files.info answers `file_deleted`, url_private 404."""
        with self.lock:
            self._files[file_id].deleted = True

    def fail_file_download(self, file_id: str, status: int | None = 500) -> None:
        """From now on url_private of this file answers HTTP `status` (None: serves it again)."""
        with self.lock:
            self._files[file_id].download_status = status

    def _shared_files(self, files: list[SlackFile | str], channel_id: str) -> list[dict[str, Any]]:
        """The file objects a message shares (the files are now shared in `channel_id`)."""
        out = []
        for ref in files:
            file = self._files[ref] if isinstance(ref, str) else ref
            if file.id not in self._files:
                raise KeyError(f"no file {file.id} in {self.team_id}")
            if channel_id not in file.channels:
                file.channels.append(channel_id)
            out.append(file.to_api(self.base_url, self.identity.domain))
        return out

    def _visible_file(self, file_id: Any) -> SlackFile:
        file = self._files.get(str(file_id or ""))
        if file is None:
            raise ApiError("file_not_found")
        if file.deleted:
            raise ApiError("file_deleted")
        if not any(self.bot_user_id in self._channels[c].members for c in file.channels if c in self._channels):
            raise ApiError("file_not_found")  # not shared anywhere the bot can see
        return file

    def _m_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("file"):
            raise _invalid("missing required field: file")
        file = self._visible_file(args.get("file"))
        return {
            "file": file.to_api(self.base_url, self.identity.domain),
            "comments": [],
            "response_metadata": {"next_cursor": ""},
        }

    def download(self, file_id: str, token: str | None) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) of a GET of the file's url_private with this bearer token."""
        with self.lock:
            if not token:
                return 401, "text/plain", b"not_authed"
            if token != self.bot_token:
                return 403, "text/plain", b"invalid_auth"
            if "files:read" not in self.scopes:
                return 403, "text/plain", b"missing_scope"
            try:
                file = self._visible_file(file_id)
            except ApiError as err:
                return 404, "text/plain", err.error.encode()
            if file.download_status is not None:
                return file.download_status, "text/plain", b"internal_error"
            return 200, file.mimetype, file.content
