"""The spending report shows the campaign's cover, from the picture the pledges service sent
in its event (the services share no files): in the page and in the PDF; a late, older cover
event changes nothing."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta

from PIL import Image
from pypdf import PdfReader

from services.pledges.adapters.events import cover_changed
from shared.images import accept_picture
from tests.factories import phone_photo
from tests.integration.ledger.ledger_support import Ledger


def test_the_report_shows_the_cover_the_event_carried(ledger: Ledger) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    now = datetime.now(UTC)
    picture = accept_picture(phone_photo())
    older = accept_picture(phone_photo(640, 640))
    assert ledger.deliver(cover_changed(campaign_id, picture, now)).status == "handled"
    ledger.deliver(cover_changed(campaign_id, older, now - timedelta(minutes=5)))
    jpeg = picture.rendition(640).jpeg

    html = ledger.client.get(f"/campaigns/{campaign_id}/report").get_data(as_text=True)
    assert f'src="data:image/jpeg;base64,{base64.b64encode(jpeg).decode()}"' in html
    assert 'width="640" height="480"' in html

    pdf = ledger.client.get(f"/campaigns/{campaign_id}/report.pdf")
    assert pdf.status_code == 200, pdf.get_data(as_text=True)
    [shown] = PdfReader(io.BytesIO(pdf.data)).pages[0].images
    with Image.open(io.BytesIO(shown.data)) as image:
        assert image.size == (640, 480)  # the newer cover, not the square one sent late
