def test_customer_page_renders(client, hq_operator, customer_a):
    client.force_login(hq_operator)
    response = client.get(f"/customers/{customer_a.pk}/")
    assert response.status_code == 200
    assert "山田 花子" in response.content.decode()
    assert "ヤマダ ハナコ" in response.content.decode()
