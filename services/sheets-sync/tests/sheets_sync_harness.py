"""Shared pieces of the sheets-sync tests: the test harness.

A uniquely named module (not conftest) so a whole-repository run, where several
conftest modules exist, always imports this one.
"""

from __future__ import annotations

from typing import Any

import gspread
import httpx
from google.oauth2.credentials import Credentials

from sheets_sync.config import Settings
from sheets_sync.fake_google import FakeGoogle, service_account_key
from sheets_sync.google_client import RequestCounter, RetryingHTTPClient


class Harness:
    """The sheets-sync API, a user, the fake Google and the tracker, wired for one test."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        fake: FakeGoogle,
        fake_url: str,
        tracker_url: str,
        token: str,
        settings: Settings,
        user_id: str,
    ) -> None:
        self.client = client
        self.fake = fake
        self.fake_url = fake_url
        self.tracker_url = tracker_url
        self.token = token
        self.user_id = user_id
        self.settings = settings
        self.headers = {"Authorization": f"Bearer {token}"}
        self.tracker_client = httpx.AsyncClient(base_url=tracker_url, headers=self.headers)
        self.key = service_account_key()
        counter = RequestCounter()
        fake_url_ = fake_url

        class UserHTTPClient(RetryingHTTPClient):
            def __init__(self, auth: Any, session: Any = None) -> None:
                super().__init__(
                    auth, session, sheets_url=fake_url_, drive_url=fake_url_, counter=counter
                )

        # The person editing the sheet in their browser, as far as the API can tell.
        self.user_google = gspread.Client(
            Credentials("fake:me@example.com"), http_client=UserHTTPClient
        )

    async def upload_key(self) -> dict[str, Any]:
        response = await self.client.put(
            "/sheets/credentials", json={"service_account_key": self.key}, headers=self.headers
        )
        assert response.status_code in (200, 201), response.text
        return dict(response.json())

    def new_spreadsheet(self, **options: Any) -> str:
        spreadsheet = self.fake.state.create_spreadsheet(
            options.pop("title", "Job hunt"), **options
        )
        return spreadsheet.spreadsheet_id

    async def connect(self, spreadsheet_id: str, **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            "/sheets/connections",
            json={"spreadsheet": spreadsheet_id, "worksheet": "Applications", **body},
            headers=self.headers,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def sync(self, connection_id: int, **body: Any) -> dict[str, Any]:
        response = await self.client.post(
            f"/sheets/connections/{connection_id}/sync", json=body, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def worksheet(self, spreadsheet_id: str, title: str = "Applications") -> gspread.Worksheet:
        return self.user_google.open_by_key(spreadsheet_id).worksheet(title)

    def rows(self, spreadsheet_id: str) -> list[list[str]]:
        values: list[list[str]] = self.worksheet(spreadsheet_id).get_all_values()
        return values

    def records(self, spreadsheet_id: str) -> list[dict[str, str]]:
        rows = self.rows(spreadsheet_id)
        header = rows[0]
        return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(row)]

    async def tracker(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.tracker_client.request(method, path, **kwargs)

    async def applications(self, include_deleted: bool = False) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 200, "include_deleted": include_deleted}
            if cursor:
                params["cursor"] = cursor
            page = (await self.tracker("GET", "/tracker/applications", params=params)).json()
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    async def linked(self, *titles: str, **connect: Any) -> tuple[str, int]:
        """A connected sheet after a first sync of applications with these titles."""
        await self.upload_key()
        for title in titles:
            await self.add_application(title=title, company=f"{title} Inc", status="applied")
        spreadsheet_id = self.new_spreadsheet()
        connection = await self.connect(spreadsheet_id, **connect)
        await self.sync(connection["id"])
        return spreadsheet_id, int(connection["id"])

    def cell(self, spreadsheet_id: str, title: str, header: str) -> str:
        record = next(r for r in self.records(spreadsheet_id) if r["Title"] == title)
        return record[header]

    def set_cell(self, spreadsheet_id: str, title: str, header: str, value: str) -> None:
        worksheet = self.worksheet(spreadsheet_id)
        rows = worksheet.get_all_values()
        row = next(i for i, r in enumerate(rows) if r[rows[0].index("Title")] == title)
        worksheet.update_cell(row + 1, rows[0].index(header) + 1, value)

    async def by_title(self, title: str) -> dict[str, Any]:
        return next(a for a in await self.applications() if a["title"] == title)

    async def add_application(self, **body: Any) -> dict[str, Any]:
        response = await self.tracker("POST", "/tracker/applications", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def edit_application(self, application_id: int, **body: Any) -> dict[str, Any]:
        current = (await self.tracker("GET", f"/tracker/applications/{application_id}")).json()
        response = await self.tracker(
            "PATCH",
            f"/tracker/applications/{application_id}",
            json=body,
            headers={"If-Match": f'"{current["version"]}"'},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())
