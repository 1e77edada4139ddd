import Foundation
import Testing
import Torch
@testable import LTDet

/// `min_bbox_size` as each mmdet version reads it: >= 0 drops proposals not wider and higher than it (mmdet 2.1x,
/// PCB); -1 keeps every proposal (what eqlv2's mmdet 2.3 and LOCE's 2.8 do at 0).
@Suite struct ProposalMinSizeTests {
    /// Feature maps larger than the 8 x 8 input, so that anchors beyond it clip to boxes of zero width or height.
    private func proposalCount(minBoxSize: Double) throws -> (all: Int, degenerate: Int) {
        let model = try MaskRCNN(config: .demo(numClasses: 3), seed: 1)
        let a = model.rpnHead.anchorGenerator.anchorsPerLocation
        let sizes = model.rpnHead.anchorGenerator.strides.map { max(1, 64 / $0) }
        let output = RPNHead.Output(
            objectness: try sizes.map { try Tensor.zeros([1, a, $0, $0]) },
            deltas: try sizes.map { try Tensor.zeros([1, 4 * a, $0, $0]) })
        let config = ProposalConfig(nmsPre: 10_000, maxPerImage: 10_000, iouThreshold: 1, minBoxSize: minBoxSize)
        let meta = ImageMeta(height: 8, width: 8)
        let boxes = try #require(try model.rpnHead.proposals(output, metas: [meta], config: config).first).boxes
        let b = Boxes(boxes)
        let degenerate = try b.widths().le(0).logicalOr(b.heights().le(0)).sum().itemInt()
        return (boxes.size(0), degenerate)
    }

    @Test func zeroDropsDegenerateProposalsAndNegativeKeepsThem() throws {
        let filtered = try proposalCount(minBoxSize: 0)
        let unfiltered = try proposalCount(minBoxSize: -1)
        #expect(filtered.degenerate == 0)
        #expect(unfiltered.degenerate > 0 && unfiltered.all == filtered.all + unfiltered.degenerate)
    }
}
