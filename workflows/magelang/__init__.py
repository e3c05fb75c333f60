"""Kota Magelang's MAGESTY SOP (SOP/555/517.1/320/2022) as workflows, one per thing that lives:

- ``MagestyAkunWorkflow`` (step 2, pendaftaran_akun): an account from registration to activation;
- ``MagestyLayananWorkflow`` (steps 4-6): one service request, the OPD's service and the survey;
- ``MagestyLaporanStatistikWorkflow`` (step 3, pemantauan_statistik): the daily statistics report.

Step 1 (installing the app) happens outside Alur.
"""
