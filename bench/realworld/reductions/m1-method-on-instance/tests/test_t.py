from pkg.tasks import Tasks

def test_via_variable():
    tasks = Tasks(1)
    tasks.add(print)

def test_chained():
    Tasks(1).add(print)
