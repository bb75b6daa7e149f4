"""Pages go compressed to browsers that take it (phones on the venue's Wi-Fi)."""

import gzip


def test_a_page_goes_gzipped_to_a_browser_that_takes_it(client, small_event):
    plain = client.get("/e/test-expo/floorplan?lang=en")
    packed = client.get("/e/test-expo/floorplan?lang=en", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    page = gzip.decompress(packed.get_data()).decode()
    # The same page (its form tokens aside), in a fraction of the bytes.
    assert page.split("<main", 1)[1] == plain.get_data(as_text=True).split("<main", 1)[1]
    assert len(packed.get_data()) < len(page) / 3
