from tests.malang_helpers import *  # noqa


async def test_smoke(workers):
    h = await start(workers.client, workers.task_queue, laporan("MLG-TEST-0001"))
    await wait_step(h, "penerimaan")
    await forward(h); await dispose(h); await order(h)
    await wait_step(h, "draf_tanggapan")
    await draft(h)
    await review(h, approve=True)
    await wait_step(h, "penyampaian")
    await deliver(h)
    res = await h.result()
    print(res)
    assert res.status == "selesai"
