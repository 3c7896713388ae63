"""The reference experiment: does a CNN match an LSTM on sentiment, and where does it not?

Modules: ``data`` (tasks and splits), ``models`` (CNN, LSTM, TCN), ``train`` (fitting one
model or baseline), ``run`` (the experiment: plan, units, workers), ``results`` (the results
JSON), ``cli`` (`survey experiment`).
Nothing is imported here, so importing the package never pulls in torch.
"""
