"""The API's documentation page (#16 item 12): Swagger UI's "Authorize" takes an API token, and "Try it out" with the
document's example creates a case."""

import json


def test_authorize_with_a_token_and_try_out_creating_a_case(page, live_server, live_cli):
    token = live_cli("create-token", "veileder", "--name", "Swagger UI").strip().splitlines()[-1]
    page.goto(f"{live_server}/api/docs")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".dialog-ux")
    dialog.get_by_label("auth-bearer-value").fill(token)  # the Bearer scheme's field (declared in the document)
    dialog.get_by_role("button", name="Apply credentials").first.click()
    dialog.get_by_role("button", name="Close").first.click()

    operation = page.locator("#operations-cases-api_create_case_api_v1_cases_post")
    operation.locator(".opblock-summary").click()
    assert "Create a case" in operation.locator(".opblock-summary-description").inner_text()
    operation.get_by_role("button", name="Try it out").click()
    body = json.loads(operation.locator("textarea.body-param__text").input_value())
    assert body["answers"]["participant.name"] == "Amal Hassan"  # the example: real question ids
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "201"
