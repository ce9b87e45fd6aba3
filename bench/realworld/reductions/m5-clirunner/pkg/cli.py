import click

@click.command()
@click.argument("paths", nargs=-1)
def main(paths):
    if len(paths) > 1:
        from pkg.many import run_many
        run_many(paths)
