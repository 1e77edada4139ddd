/// Draws detections or ground truth over an image: translucent masks, box outlines and a label
/// tag ("name 0.87") per instance. Small images (the synthetic benchmark's 128-192 px) can be
/// enlarged first so that the labels do not cover the objects.
public struct InstanceOverlay: Sendable {
    public struct Instance: Sendable {
        public var box: BoundingBox
        public var label: String
        public var score: Double?
        /// Same size as the image the overlay is drawn on (before enlarging).
        public var mask: BinaryMask?
        /// Nil picks a colour from the label text, so a class keeps its colour across images.
        public var color: Color?

        public init(box: BoundingBox, label: String, score: Double? = nil, mask: BinaryMask? = nil, color: Color? = nil) {
            self.box = box
            self.label = label
            self.score = score
            self.mask = mask
            self.color = color
        }
    }

    public var maskAlpha = 0.45
    public var boxThickness = 2
    /// Integer enlargement (nearest neighbour) applied to the image before drawing.
    public var enlargement = 1

    public init(enlargement: Int = 1) {
        self.enlargement = max(1, enlargement)
    }

    public func render(_ instances: [Instance], on image: RGBImage) throws -> Canvas {
        let k = enlargement
        var canvas = Canvas(image: k == 1 ? image : InstanceOverlay.enlarge(image, by: k))
        for instance in instances {
            let color = instance.color ?? InstanceOverlay.color(for: instance.label)
            if let mask = instance.mask {
                let big = k == 1 ? mask : mask.resized(width: mask.width * k, height: mask.height * k)
                canvas.overlayMask(big.values, color: color, alpha: maskAlpha)
            }
        }
        var labels: [(text: String, color: Color, box: BoundingBox)] = []
        for instance in instances {
            let color = instance.color ?? InstanceOverlay.color(for: instance.label)
            let box = instance.box.scaled(x: Double(k), y: Double(k))
            canvas.strokeRect(x0: box.x0.rounded(), y0: box.y0.rounded(), x1: box.x1.rounded(), y1: box.y1.rounded(),
                              color: color, thickness: boxThickness)
            let text = instance.score.map { "\(instance.label) \(String(Int(($0 * 100).rounded())))%" } ?? instance.label
            labels.append((text, color, box))
        }
        // The last instance (the highest score, as callers order them) picks its place first; the others avoid
        // the tags already placed where they can, so that no tag hides another's text.
        var placed: [(x: Int, y: Int, width: Int, height: Int)] = []
        var tags: [(text: String, color: Color, x: Int, y: Int)] = []
        for label in labels.reversed() {
            let size = try Canvas.textSize(label.text)
            let (width, height) = (size.width + 4, size.height + 2)
            let candidates = [Int(label.box.y0) - height, Int(label.box.y0) + 2, Int(label.box.y1) + 1,
                              Int(label.box.y1) - height - 1]
                .map { canvas.placeInside(x: Int(label.box.x0), y: $0, width: width, height: height) }
            func free(_ p: (x: Int, y: Int)) -> Bool {
                !placed.contains { p.x < $0.x + $0.width && $0.x < p.x + width && p.y < $0.y + $0.height && $0.y < p.y + height }
            }
            let at = candidates.first(where: free) ?? candidates[0]
            placed.append((at.x, at.y, width, height))
            tags.append((label.text, label.color, at.x + 2, at.y + 1))
        }
        for tag in tags.reversed() {
            try canvas.drawText(tag.text, x: tag.x, y: tag.y, color: .white, background: tag.color, backgroundAlpha: 0.8)
        }
        return canvas
    }

    /// A stable colour per label text (FNV-1a hash into the categorical palette).
    public static func color(for label: String) -> Color {
        var hash: UInt32 = 2_166_136_261
        for byte in label.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Color.categorical(Int(hash % UInt32(Color.categorical.count)))
    }

    static func enlarge(_ image: RGBImage, by k: Int) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: image.width * k * image.height * k * 3)
        let width = image.width * k
        for y in 0 ..< image.height * k {
            for x in 0 ..< width {
                let s = ((y / k) * image.width + x / k) * 3, d = (y * width + x) * 3
                pixels[d] = image.pixels[s]; pixels[d + 1] = image.pixels[s + 1]; pixels[d + 2] = image.pixels[s + 2]
            }
        }
        return RGBImage(width: width, height: image.height * k, pixels: pixels)
    }
}
