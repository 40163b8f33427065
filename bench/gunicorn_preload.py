"""gunicorn settings for `bench/run.py --preload`: the app and Kiwi's model load once in the master, and the
workers share those pages copy-on-write. RSS still counts shared pages in every worker; PSS shows the share."""
preload_app = True


def when_ready(server):
    # Kiwi loads lazily on the first search; loading it here, before the workers fork, lets them share it.
    from ess.knowledge.tokens import tokens

    tokens("연차휴가 신청")
