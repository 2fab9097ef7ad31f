def test_customer_page_renders(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    response = client.get(f"/customers/{customer_a.pk}/")
    assert response.status_code == 200
    assert "山田 花子" in response.content.decode()
    assert "ヤマダ ハナコ" in response.content.decode()


def test_pages_name_their_icon_so_browsers_do_not_ask_for_a_missing_favicon_ico(client, hq_operator):
    from django.contrib.staticfiles import finders

    client.force_login(hq_operator)
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/tsunagu/favicon.svg"' in page
    assert finders.find("tsunagu/favicon.svg")
