import Torch
import LVISKit
